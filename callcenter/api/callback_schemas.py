"""Request and response models of the call-back routes (``api/routes/callbacks.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.domain import callbacks as cb

TASK_EXAMPLE: dict[str, Any] = {
    "call_id": "1732240000.101",
    "number": "+212612345678",
    "caller_raw": "0612345678",
    "reason": "abandoned",
    "status": "offered",
    "created_at": "2026-11-22T04:02:00+00:00",
    "waited_seconds": 118,
    "repeat_count": 2,
    "not_callable": None,
    "seat": "Seat 03",
    "attempts": 0,
    "result": None,
    "closed_by": None,
    "updated_at": "2026-11-22T04:05:00+00:00",
}


class CallbackTaskOut(BaseModel):
    """A caller to call back: the number (null when ``not_callable`` says why), why, the
    caller's wait on the original call, the number's other calls of the last 24 h
    (``repeat_count``), and where the call-back stands."""

    model_config = ConfigDict(json_schema_extra={"examples": [TASK_EXAMPLE]})

    call_id: str
    number: str | None
    caller_raw: str
    reason: Literal["abandoned", "silent", "cut_off"]
    status: Literal["open", "offered", "calling", "reached", "closed", "gave_up", "not_callable"]
    created_at: datetime
    waited_seconds: int | None
    repeat_count: int
    not_callable: Literal["withheld", "invalid_number"] | None
    seat: str | None
    attempts: int
    result: str | None
    closed_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, task: cb.CallbackTask) -> CallbackTaskOut:
        return cls.model_validate(task.public())


class CallbackOfferOut(BaseModel):
    """The task offered to the operator's seat, or why none (``seat_busy``: the seat is not
    free; ``queue_beyond_sla``: a caller waits beyond the answer target; ``nothing_to_call``)."""

    task: CallbackTaskOut | None
    why_none: str = ""


class CallbackResultIn(BaseModel):
    """What the operator heard: the caller answered, nobody answered, busy, invalid number."""

    result: Literal["reached", "no_answer", "busy", "invalid"] = Field(examples=["reached"])


class CallbackOfferIn(BaseModel):
    seat: str = Field(min_length=1, max_length=80, examples=["Seat 03"])


class CallbackStartedOut(BaseModel):
    call_id: str
    attempt: int
    number: str
