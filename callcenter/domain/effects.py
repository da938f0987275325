"""Effects returned by the lifecycle: the pipeline performs them in order, the domain never."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.domain.events import Clock, Qualification


@dataclass(frozen=True, kw_only=True)
class AppendTimeline:
    """Append one step to the call's timeline (idempotent on ``(call_id, source_id)``)."""

    call_id: str
    kind: str
    at: datetime
    received_at: datetime
    source_id: str
    clock: Clock
    inferred: bool = False
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NotifyClients:
    """Tell the live feeds (operator of ``seat``, supervisors, dispatchers) what changed."""

    topic: str  # "call", "dispatch", "alert" (supervisors)
    call_id: str
    kind: str
    seat: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RequestDispatch:
    """Write dispatch ticket ``ticket_id`` and its outbox row with the call's own save."""

    call_id: str
    ticket_id: str
    qualification: Qualification
    at: datetime
    by: str


Effect = AppendTimeline | NotifyClients | RequestDispatch
