"""Issue 15: a radio dispatcher's late acknowledgement (and the escalations before it) of the
ticket of a call marked ``lost`` is recorded on the call, never refused as an anomaly; and so
after the PBX's records recovered the call."""

from __future__ import annotations

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from tests.domain.factories import QUALIFICATION, call_in, make


def kinds(call: Call, event: ev.CallEvent) -> tuple[Call, list[str]]:
    new, effects = transition(call, event)
    return new, [e.kind for e in effects if isinstance(e, AppendTimeline)]


def lost_with_ticket() -> Call:
    qualified = call_in(CallState.QUALIFIED, dispatch_ticket="T-1")
    lost, _ = transition(qualified, make(ev.CallLost))
    assert lost.state is CallState.LOST and lost.qualification == QUALIFICATION
    return lost


def test_escalation_then_acknowledgement_of_a_lost_calls_ticket_are_recorded() -> None:
    call, escalated = kinds(lost_with_ticket(), make(ev.DispatchEscalated))
    assert escalated == ["dispatch_escalated"]
    call, acked = kinds(call, make(ev.DispatchAcknowledged))
    assert acked == ["handed_off"]
    assert call.dispatch_unit == "CAR-12" and call.handed_off_at is not None
    assert call.state is CallState.LOST  # how its line ended is still unknown
    _, again = kinds(call, make(ev.DispatchEscalated))
    assert again == ["anomaly"]  # a unit was sent: nothing left to escalate


def test_a_lost_call_without_qualification_has_no_ticket_to_acknowledge() -> None:
    lost, _ = transition(call_in(CallState.ANSWERED), make(ev.CallLost))
    assert kinds(lost, make(ev.DispatchAcknowledged))[1] == ["anomaly"]


def test_acknowledged_after_the_pbx_records_recovered_the_call() -> None:
    recovered, _ = transition(
        lost_with_ticket(), make(ev.CallRecovered, state="qualified", seat="Seat 03")
    )
    ended, _ = transition(recovered, make(ev.LineEnded))
    call, acked = kinds(ended, make(ev.DispatchAcknowledged))
    assert acked == ["handed_off", "closed"]
    assert call.state is CallState.CLOSED and call.outcome == "handed_off"


def test_a_recovered_lost_call_acknowledged_while_lost_closes_at_its_line_end() -> None:
    acked, _ = transition(lost_with_ticket(), make(ev.DispatchAcknowledged))
    recovered, steps = kinds(acked, make(ev.CallRecovered, state="handed_off", seat="Seat 03"))
    assert steps == ["recovered"]
    call, ended = kinds(recovered, make(ev.LineEnded))
    assert ended == ["line_ended", "closed"] and call.outcome == "handed_off"
