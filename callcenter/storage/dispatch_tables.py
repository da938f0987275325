"""Tables of the radio dispatch hand-off: tickets, their outbox, and the field units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from callcenter.storage.types import UtcDateTime


def _when(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable))


class DispatchTicketRecord(SQLModel, table=True):
    """One hand-off of a call to radio dispatch, and where it stands."""

    __tablename__ = "dispatch_tickets"
    __table_args__ = (Index("ix_dispatch_tickets_state_created", "state", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    call_id: str = Field(foreign_key="calls.id", max_length=64, index=True)
    state: str = Field(max_length=16)
    incident_type: str = Field(max_length=40)
    priority: str = Field(max_length=4)
    qualification: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = _when(nullable=False)
    sent_at: datetime | None = _when()
    escalated_at: datetime | None = _when()
    unit: str | None = Field(default=None, max_length=64)
    acknowledged_by: str | None = Field(default=None, max_length=80)
    acknowledged_at: datetime | None = _when()
    # When the acknowledgement reached the call's timeline (through the room's pipeline).
    recorded_at: datetime | None = _when()


class DispatchOutboxRecord(SQLModel, table=True):
    """A ticket waiting to be published on the dispatch stream (``sent_at`` NULL)."""

    __tablename__ = "dispatch_outbox"
    __table_args__ = (Index("ix_dispatch_outbox_unsent", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="dispatch_tickets.id", max_length=64, unique=True)
    created_at: datetime = _when(nullable=False)
    sent_at: datetime | None = _when()
    attempts: int = 0
    stream_id: str | None = Field(default=None, max_length=40)  # the Redis entry id, if any
    last_error: str | None = Field(default=None, max_length=200)


class FieldUnitRecord(SQLModel, table=True):
    """A field unit (car, motorbike, foot patrol) and its last known position."""

    __tablename__ = "field_units"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16, index=True)
    latitude: float | None = None
    longitude: float | None = None
    position_at: datetime | None = _when()
    ticket_id: str | None = Field(default=None, max_length=64)
