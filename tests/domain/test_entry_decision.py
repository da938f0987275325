"""CallEntered carries the FastAGI decision; an overflow decision puts the call on that path."""

from __future__ import annotations

import json

from callcenter.domain import events as ev
from callcenter.domain.call import CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from tests.domain.factories import make


def test_overflow_decision_makes_the_call_overflowed() -> None:
    event = make(
        ev.CallEntered,
        route="overflow",
        reason="room full 60/60",
        linked_call_ids=("1.1", "1.2"),
        notes=("x",),
    )
    call, effects = transition(None, event)
    assert call.state is CallState.OVERFLOWED
    assert call.outcome is None  # waiting on the overflow path: nothing decided yet
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.kind == "entry_decision"
    assert step.payload["route"] == "overflow"
    assert step.payload["state"] == "overflowed"
    json.dumps(step.payload)  # JSON-friendly
    # a retry from the overflow path joins the queue
    queued, _ = transition(call, make(ev.CallerQueued))
    assert queued.state is CallState.QUEUED


def test_queue_decision_leaves_the_call_ringing() -> None:
    call, _ = transition(None, make(ev.CallEntered, route="queue", priority=5))
    assert call.state is CallState.RINGING


def test_bridge_and_fastagi_reports_of_one_call_in_either_order() -> None:
    from callcenter.domain import events as ev
    from callcenter.domain.effects import AppendTimeline
    from callcenter.domain.lifecycle import transition
    from tests.domain.factories import make

    def kinds(effects: list[object]) -> list[str]:
        return [e.kind for e in effects if isinstance(e, AppendTimeline)]

    bridge = make(ev.CallEntered)  # Newchannel of the first leg: no decision
    agi = make(ev.CallEntered, route="overflow", reason="room 60/60: overflow")
    call, first = transition(None, bridge)
    call, second = transition(call, agi)
    assert (kinds(first), kinds(second), call.state.value) == (
        ["entered"],
        ["entry_decision"],
        "overflowed",
    )
    call, first = transition(None, agi)
    call, second = transition(call, bridge)  # the bridge's report comes late: no anomaly
    assert (kinds(first), kinds(second), call.state.value) == (
        ["entry_decision"],
        ["entered"],
        "overflowed",
    )
