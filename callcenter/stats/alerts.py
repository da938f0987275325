"""The supervisor's alerts panel: pure rules over the room's facts, no I/O.

Each alert has a stable ``key`` (the same condition keeps the same key from one tick to the
next, so a screen can tell a new alert from one it already shows) and a severity:

- ``seat_ringing``: a seat has rung for longer than ``ring_alert_seconds`` without answering
  (warning);
- ``pbx_down``: the AMI link to Asterisk is down (critical); ``redis_down`` likewise for the
  live fan-out and dispatch stream (critical); ``absent`` (no such link in this process) is
  not an alert;
- ``agi_degraded``: call-entry decisions fell back to safe defaults recently, or to memory
  because the store answered late (warning);
- ``dispatch_escalated``: a ticket nobody acknowledged in time, still open (critical);
- ``burn_rate``: the 15 s target will be breached (at_risk, warning) or is (breached, critical).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from callcenter.stats.burn_rate import Forecast
from callcenter.stats.seat_clock import SeatSince

Severity = Literal["warning", "critical"]


@dataclass(frozen=True, kw_only=True)
class Escalation:
    call_id: str
    ticket_id: str
    at: datetime
    priority: str | None
    incident_type: str | None


@dataclass(frozen=True, kw_only=True)
class Alert:
    key: str
    kind: str
    severity: Severity
    since: datetime | None = None
    seat: str | None = None
    call_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def room_alerts(
    *,
    now: datetime,
    seats: Mapping[str, SeatSince],
    ring_alert_seconds: float,
    links: Mapping[str, str],
    degraded_entries: int,
    escalations: Sequence[Escalation],
    forecast: Forecast | None,
) -> list[Alert]:
    """Every alert that holds now: critical ones first; room-wide ones (links, forecast, AGI)
    before the ones about a seat or a call; then the oldest first."""
    alerts: list[Alert] = []
    for name, link in sorted(links.items()):
        if link == "down":
            alerts.append(Alert(key=f"{name}_down", kind=f"{name}_down", severity="critical"))
    if forecast is not None and forecast.status != "ok":
        alerts.append(
            Alert(
                key="burn_rate",
                kind="burn_rate",
                severity="critical" if forecast.status == "breached" else "warning",
                detail={
                    "status": forecast.status,
                    "breach_in_seconds": forecast.breach_in_seconds,
                    "projected": forecast.projected,
                    "measured": forecast.measured,
                },
            )
        )
    for e in escalations:
        alerts.append(
            Alert(
                key=f"escalated:{e.ticket_id}",
                kind="dispatch_escalated",
                severity="critical",
                since=e.at,
                call_id=e.call_id,
                detail={
                    "ticket_id": e.ticket_id,
                    "priority": e.priority,
                    "incident_type": e.incident_type,
                },
            )
        )
    for name, seat in sorted(seats.items()):
        rang = (now - seat.since).total_seconds()
        if seat.state == "ringing" and rang >= ring_alert_seconds:
            alerts.append(
                Alert(
                    key=f"ringing:{name}:{seat.call_id}",
                    kind="seat_ringing",
                    severity="warning",
                    since=seat.since,
                    seat=name,
                    call_id=seat.call_id,
                    detail={"seconds": round(rang)},
                )
            )
    if degraded_entries > 0:
        alerts.append(
            Alert(
                key="agi_degraded",
                kind="agi_degraded",
                severity="warning",
                detail={"entries": degraded_entries},
            )
        )
    order = {"critical": 0, "warning": 1}
    return sorted(
        alerts, key=lambda a: (order[a.severity], a.since is not None, a.since or now, a.key)
    )
