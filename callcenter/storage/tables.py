"""The tables: one row per call, and the append-only timeline of its steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from callcenter.storage.types import UtcDateTime


def _when(*, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=True, index=index))


class CallRecord(SQLModel, table=True):
    """The call as it stands now; its history is in ``timeline``."""

    __tablename__ = "calls"
    __table_args__ = (
        # the FastAGI call-entry lookups (revision 0004): room count and repeat callers
        Index("ix_calls_line_ended_state", "line_ended", "state"),
        Index("ix_calls_caller_e164_rang_at", "caller_e164", "rang_at"),
    )

    id: str = Field(primary_key=True, max_length=64)  # Asterisk Linkedid
    state: str = Field(max_length=16)
    outcome: str | None = Field(default=None, max_length=16, index=True)
    caller_raw: str = Field(default="", max_length=80)
    caller_e164: str | None = Field(default=None, max_length=20, index=True)
    queue: str | None = Field(default=None, max_length=80)
    seat: str | None = Field(default=None, max_length=80, index=True)
    line_ended: bool = False
    rang_at: datetime | None = _when(index=True)
    queued_at: datetime | None = _when()
    offered_at: datetime | None = _when()
    answered_at: datetime | None = _when()
    seat_answered_at: datetime | None = _when()  # revision 0007: the latest seat's answer
    qualified_at: datetime | None = _when()
    handed_off_at: datetime | None = _when()
    ended_at: datetime | None = _when()
    hold_seconds: int | None = None
    talk_seconds: int | None = None
    abandon_position: int | None = None
    abandon_original_position: int | None = None
    incident_type: str | None = Field(default=None, max_length=40, index=True)
    priority: str | None = Field(default=None, max_length=4)
    qualification: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    dispatch_ticket: str | None = Field(default=None, max_length=64)
    dispatch_unit: str | None = Field(default=None, max_length=64)
    # revision 0009: the incident the call reports (callcenter.domain.incidents)
    incident_id: str | None = Field(default=None, max_length=80, index=True)
    # The hash of the last timeline step (revision 0006, see callcenter.storage.chain).
    timeline_head: str | None = Field(default=None, max_length=64)


class TimelineEntry(SQLModel, table=True):
    """One step of a call. Rows are only ever inserted."""

    __tablename__ = "timeline"
    __table_args__ = (
        UniqueConstraint("call_id", "seq", name="uq_timeline_call_seq"),
        UniqueConstraint("call_id", "source_id", name="uq_timeline_call_source"),
        Index("ix_timeline_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="calls.id", max_length=64)
    seq: int  # 1, 2, 3... per call, in processing order
    kind: str = Field(max_length=32)
    source_id: str = Field(max_length=128)  # identity of the cause (AMI frame hash, request id)
    clock: str = Field(max_length=8)  # pbx | arrival | inferred: where ``at`` came from
    inferred: bool = False
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    pbx_at: datetime | None = _when()  # Asterisk's Timestamp header, when it sent one
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # SHA-256 over the previous step's hash and this step's content (callcenter.storage.chain).
    hash: str | None = Field(default=None, max_length=64)
