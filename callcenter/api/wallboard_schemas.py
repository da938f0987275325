"""Response models of the wallboard's and the auditor's added reads (OpenAPI shows them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ThresholdOut(BaseModel):
    warn: float
    alarm: float


class WallboardConfigOut(BaseModel):
    thresholds: dict[str, ThresholdOut] = Field(
        description="amber from warn, red from alarm; lower is worse when alarm < warn"
    )
    target_seconds: int
    target_percent: float
    burn_horizon_seconds: float
    ring_alert_seconds: float
    windows: list[Literal["15m", "1h", "shift"]]


class WaitingCallOut(BaseModel):
    id: str
    state: str
    caller_raw: str
    caller_e164: str | None
    seat: str | None
    queue: str | None
    rang_at: datetime | None
    queued_at: datetime | None
    answered_at: datetime | None
    incident_type: str | None
    priority: str | None
    queue_priority: int = Field(description="Asterisk QUEUE_PRIO: higher is served first")
    position: int = Field(description="1-based, in the queue's order")
    wait_seconds: float | None


class LinkedCallOut(BaseModel):
    id: str
    state: str
    outcome: str | None
    caller_raw: str
    caller_e164: str | None
    seat: str | None
    rang_at: datetime | None
    incident_type: str | None
    link: Literal["caller", "incident", "entry"]
