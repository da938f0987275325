"""The call-back tasks (``callcenter.domain.callbacks``): one row per call to call back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from callcenter.storage.types import UtcDateTime


def _when(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable))


class CallbackTaskRecord(SQLModel, table=True):
    """A caller to call back, and where the call-back stands (revision 0010)."""

    __tablename__ = "callback_tasks"
    __table_args__ = (
        Index("ix_callback_tasks_status_created", "status", "created_at"),
        Index("ix_callback_tasks_number_status", "number", "status"),
    )

    call_id: str = Field(primary_key=True, foreign_key="calls.id", max_length=64)
    number: str | None = Field(default=None, max_length=20)
    caller_raw: str = Field(default="", max_length=80)
    reason: str = Field(max_length=16)
    status: str = Field(max_length=16)
    not_callable: str | None = Field(default=None, max_length=20)
    created_at: datetime = _when(nullable=False)
    waited_seconds: int | None = None
    repeat_count: int = 0
    seat: str | None = Field(default=None, max_length=80)
    attempts: int = 0
    result: str | None = Field(default=None, max_length=20)
    closed_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime | None = _when()
