"""Every (state, event) pair: the legal ones and where they lead, and every illegal one."""

from __future__ import annotations

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import CallState
from callcenter.domain.effects import AppendTimeline, NotifyClients
from callcenter.domain.lifecycle import transition
from tests.domain.factories import EVENT_TYPES, call_in, make

S = CallState

# Written out by hand from the lifecycle, not derived from the implementation.
LEGAL: dict[type[ev.CallEvent], dict[CallState, CallState]] = {
    ev.CallEntered: {S.RINGING: S.RINGING, S.OVERFLOWED: S.OVERFLOWED},
    ev.CallerQueued: {
        S.RINGING: S.QUEUED,
        S.OVERFLOWED: S.QUEUED,  # retry from the overflow path
        S.TRANSFERRED: S.QUEUED,  # transferred back into the queue
        S.ANSWERED: S.QUEUED,  # redirected back into the queue (no transfer event)
        S.QUALIFIED: S.QUEUED,
    },
    ev.QueueFull: {
        S.RINGING: S.OVERFLOWED,
        S.OVERFLOWED: S.OVERFLOWED,
        S.TRANSFERRED: S.OVERFLOWED,
    },
    ev.OverflowRound: {S.RINGING: S.RINGING, S.OVERFLOWED: S.OVERFLOWED},
    ev.SeatOffered: {S.QUEUED: S.OFFERED, S.OFFERED: S.OFFERED},
    ev.SeatRingNoAnswer: {S.QUEUED: S.QUEUED, S.OFFERED: S.QUEUED},
    ev.CallerLeftQueue: {S.QUEUED: S.QUEUED, S.OFFERED: S.OFFERED, S.ABANDONED: S.ABANDONED},
    ev.CallAnswered: {S.QUEUED: S.ANSWERED, S.OFFERED: S.ANSWERED},
    ev.ConversationEnded: {
        S.ANSWERED: S.ANSWERED,
        S.QUALIFIED: S.QUALIFIED,
        S.HANDED_OFF: S.HANDED_OFF,
        S.TRANSFERRED: S.TRANSFERRED,
        S.CLOSED: S.CLOSED,  # AgentComplete after a Redirect arrives after the Hangup
    },
    ev.CallerAbandoned: {S.QUEUED: S.ABANDONED, S.OFFERED: S.ABANDONED},
    ev.CallTransferred: {
        S.ANSWERED: S.TRANSFERRED,
        S.QUALIFIED: S.TRANSFERRED,
        S.HANDED_OFF: S.TRANSFERRED,
    },
    ev.LineEnded: {
        S.RINGING: S.ABANDONED,
        S.QUEUED: S.ABANDONED,
        S.OFFERED: S.ABANDONED,
        S.ANSWERED: S.ANSWERED,  # still to be qualified after the caller hung up
        S.QUALIFIED: S.QUALIFIED,
        S.HANDED_OFF: S.CLOSED,
        S.TRANSFERRED: S.CLOSED,
        S.OVERFLOWED: S.ABANDONED,  # hung up on the overflow path: an abandon, the call ends
        S.ABANDONED: S.ABANDONED,
        S.CLOSED: S.CLOSED,
    },
    ev.CallQualified: {
        S.ANSWERED: S.QUALIFIED,
        S.QUALIFIED: S.QUALIFIED,
        S.HANDED_OFF: S.HANDED_OFF,
        S.TRANSFERRED: S.QUALIFIED,
    },
    ev.DispatchSent: {S.QUALIFIED: S.QUALIFIED, S.HANDED_OFF: S.HANDED_OFF, S.CLOSED: S.CLOSED},
    ev.DispatchAcknowledged: {S.QUALIFIED: S.HANDED_OFF},
    ev.DispatchEscalated: {S.QUALIFIED: S.QUALIFIED},  # still waiting for a unit
    ev.CallClosed: {
        S.ANSWERED: S.CLOSED,
        S.QUALIFIED: S.CLOSED,
        S.TRANSFERRED: S.CLOSED,
        S.OVERFLOWED: S.CLOSED,
    },
    ev.CallLost: {s: S.LOST for s in CallState if s not in (S.CLOSED, S.ABANDONED, S.LOST)},
    # a snapshot after a reconnect confirms a live call; it changes nothing by itself
    ev.CallResynced: {s: s for s in CallState if s not in (S.CLOSED, S.ABANDONED, S.LOST)},
    # the PBX's own records explain a lost call: back where it was (domain/reconcile.py)
    ev.CallRecovered: {S.LOST: S.QUEUED},
    # attached to another call's incident: answered and not dispatched on a ticket of its own
    ev.CallAttached: {
        S.ANSWERED: S.ANSWERED,
        S.QUALIFIED: S.QUALIFIED,
        S.TRANSFERRED: S.TRANSFERRED,
    },
    # another caller's report joins the incident: recorded whatever the call's state
    ev.IncidentReportAdded: {s: s for s in CallState},
    # a call-back of the caller is on the original call's timeline, whatever its state
    ev.CallbackStarted: {s: s for s in CallState},
    ev.CallbackEnded: {s: s for s in CallState},
}

CASES = [
    pytest.param(kind, state, LEGAL[kind].get(state), id=f"{state.value}-{kind.__name__}")
    for kind in EVENT_TYPES
    for state in CallState
]


def test_table_covers_every_event_type() -> None:
    assert set(LEGAL) == set(EVENT_TYPES)


@pytest.mark.parametrize(("kind", "state", "expected"), CASES)
def test_transition(kind: type[ev.CallEvent], state: CallState, expected: CallState | None) -> None:
    call = call_in(state)
    event = make(kind)
    new, effects = transition(call, event)
    steps = [e for e in effects if isinstance(e, AppendTimeline)]

    if expected is None:
        assert new == call, "an illegal event leaves the call as it was"
        assert [s.kind for s in steps] == ["anomaly"]
        assert steps[0].payload["event"] == kind.__name__
        assert steps[0].payload["refused_in_state"] == state.value
        assert steps[0].source_id == event.source_id
        assert not any(isinstance(e, NotifyClients) for e in effects)
    else:
        assert new.state is expected
        assert steps, "a legal event is always on the timeline"
        assert steps[0].kind != "anomaly"
        assert steps[0].source_id == event.source_id
        assert steps[0].at == event.at and steps[0].received_at == event.received_at
        assert any(isinstance(e, NotifyClients) for e in effects)
