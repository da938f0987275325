"""Domain events with sensible defaults, for table-driven tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
_counter = itertools.count()

QUALIFICATION = ev.Qualification(incident_type="assault", priority="P1", address="Bd Zerktouni")

EXTRA_FIELDS: dict[type[ev.CallEvent], dict[str, Any]] = {
    ev.CallEntered: {"caller_raw": "0612345678", "caller_e164": "+212612345678"},
    ev.CallerQueued: {"queue": "line19", "position": 1, "count": 1},
    ev.QueueFull: {"queue": "line19"},
    ev.OverflowRound: {"retry": 2, "route": "overflow", "priority": 0, "reason": "room full"},
    ev.SeatOffered: {"queue": "line19", "seat": "Seat 03"},
    ev.SeatRingNoAnswer: {"queue": "line19", "seat": "Seat 03", "ring_ms": 5000},
    ev.CallerLeftQueue: {"queue": "line19", "position": 1, "count": 0},
    ev.CallAnswered: {"queue": "line19", "seat": "Seat 03", "hold_seconds": 4, "ring_seconds": 1},
    ev.ConversationEnded: {
        "queue": "line19",
        "seat": "Seat 03",
        "hold_seconds": 4,
        "talk_seconds": 30,
        "reason": "agent",
    },
    ev.CallerAbandoned: {
        "queue": "line19",
        "position": 2,
        "original_position": 3,
        "hold_seconds": 9,
    },
    ev.CallTransferred: {"target": "transfer/seat06"},
    ev.LineEnded: {"cause": "16"},
    ev.CallQualified: {"qualification": QUALIFICATION, "by": "op03"},
    ev.DispatchSent: {"ticket_id": "T-1"},
    ev.DispatchAcknowledged: {"ticket_id": "T-1", "unit": "CAR-12", "by": "radio1"},
    ev.DispatchEscalated: {"ticket_id": "T-1", "waited_seconds": 120},
    ev.CallClosed: {"by": "op03", "reason": "prank"},
    ev.CallLost: {"gap_started": T0, "gap_ended": T0 + timedelta(seconds=3)},
    ev.CallAttached: {"incident_id": "I-1795319000.1", "by": "op03", "reasons": ("near",)},
    ev.IncidentReportAdded: {
        "incident_id": "I-1795319001.4",
        "reporter_call_id": "1795319009.9",
        "by": "op05",
        "callers": 2,
        "ticket_id": "T-1",
        "qualification": QUALIFICATION,
    },
    ev.CallResynced: {
        "gap_started": T0,
        "gap_ended": T0 + timedelta(seconds=3),
        "pbx_state": "talking",
        "seat": "Seat 03",
    },
    ev.CallRecovered: {"state": "queued", "source": "queue_log+cel"},
    ev.CallbackStarted: {"seat": "Seat 03", "number": "+212612345678", "attempt": 1, "by": "op03"},
    ev.CallbackEnded: {"seat": "Seat 03", "attempt": 1, "result": "busy", "code": "BUSY"},
}
EVENT_TYPES = list(EXTRA_FIELDS)


def make(kind: type[ev.CallEvent], call_id: str = "1795319001.4", **over: Any) -> ev.CallEvent:
    n = next(_counter)
    fields: dict[str, Any] = {
        "call_id": call_id,
        "at": T0 + timedelta(seconds=n),
        "received_at": T0 + timedelta(seconds=n, milliseconds=5),
        "source_id": f"src-{n}",
        **EXTRA_FIELDS[kind],
        **over,
    }
    return kind(**fields)


ANSWERED_ONCE = {
    CallState.ANSWERED,
    CallState.QUALIFIED,
    CallState.HANDED_OFF,
    CallState.TRANSFERRED,
    CallState.CLOSED,
}


def call_in(state: CallState, **over: Any) -> Call:
    """A plausible call in ``state``: answered calls have an answer time and a seat."""
    fields: dict[str, Any] = {"id": "1795319001.4", "state": state, "rang_at": T0}
    if state in ANSWERED_ONCE:
        fields |= {"answered_at": T0, "seat": "Seat 03", "queue": "line19"}
    if state in (CallState.QUALIFIED, CallState.HANDED_OFF):
        fields["qualification"] = QUALIFICATION
    return Call(**(fields | over))
