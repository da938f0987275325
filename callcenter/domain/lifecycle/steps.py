"""The effects a transition lists besides the new call: its timeline steps and notifications.

Pure builders used by ``machine`` (and ``talk`` for the step of a conversation a Redirect
ended): the event's own step, an ``anomaly`` for a refused event, the operators' ``call``
notification, and the dispatch-side effects (the hand-off request, the ticket's callers, the
supervisors' escalation alert).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from callcenter.domain.call import Call
from callcenter.domain.effects import AppendTimeline, Effect, NotifyClients, RequestDispatch
from callcenter.domain.events import (
    CallEvent,
    CallQualified,
    DispatchEscalated,
    IncidentReportAdded,
)


def step(
    call: Call, event: CallEvent, kind: str, *, suffix: str = "", inferred: bool | None = None
) -> AppendTimeline:
    payload: dict[str, Any] = {k: jsonable(v) for k, v in event.details().items()}
    payload["state"] = call.state.value
    return AppendTimeline(
        call_id=call.id,
        kind=kind,
        at=event.at,
        received_at=event.received_at,
        source_id=event.source_id + suffix,
        clock=event.clock,
        inferred=event.inferred if inferred is None else inferred,
        payload=payload,
    )


def anomaly(call: Call, event: CallEvent) -> AppendTimeline:
    refused = step(call, event, "anomaly")
    payload = {"event": type(event).__name__, "refused_in_state": call.state.value}
    return replace(refused, payload={**payload, **refused.payload})


def decided(call: Call, new: Call, own: AppendTimeline) -> AppendTimeline:
    """The step at which the call's outcome is decided says so, and the step at which the
    caller's wait from entry becomes known records it (``domain/outcomes.py``): the export's
    ``wait_seconds`` is then on the hash-chained timeline too."""
    extra: dict[str, Any] = {}
    if new.outcome is not None and call.outcome != new.outcome:
        extra["outcome"] = new.outcome
    if new.wait_seconds is not None and call.wait_seconds is None:
        extra["wait_seconds"] = new.wait_seconds
    return replace(own, payload={**own.payload, **extra}) if extra else own


def notify(call: Call, kind: str) -> NotifyClients:
    return NotifyClients(
        topic="call",
        call_id=call.id,
        kind=kind,
        seat=call.seat,
        payload={"state": call.state.value, "queue": call.queue, "seat": call.seat},
    )


def dispatch_effects(call: Call, event: CallEvent) -> list[Effect]:
    """The hand-off request of a qualification, and the supervisors' alert of an escalation."""
    if isinstance(event, CallQualified) and event.ticket_id:
        return [
            RequestDispatch(
                call_id=call.id,
                ticket_id=event.ticket_id,
                qualification=event.qualification,
                at=event.at,
                by=event.by,
            )
        ]
    if isinstance(event, IncidentReportAdded) and event.ticket_id:
        # the dispatchers' console counts the callers of the ticket's incident (no seat: the
        # operators' feeds follow their own tickets' changes, not this count)
        return [
            NotifyClients(
                topic="dispatch",
                call_id=call.id,
                kind="ticket_callers",
                seat=None,
                payload={
                    "id": event.ticket_id,
                    "incident_id": event.incident_id,
                    "callers": event.callers,
                },
            )
        ]
    if isinstance(event, DispatchEscalated):
        q = call.qualification
        return [
            NotifyClients(
                topic="alert",
                call_id=call.id,
                kind="dispatch_escalated",
                payload={
                    "ticket_id": event.ticket_id,
                    "waited_seconds": event.waited_seconds,
                    "priority": q.priority if q else None,
                    "incident_type": q.incident_type if q else None,
                    "address": q.address if q else None,
                },
            )
        ]
    return []


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
