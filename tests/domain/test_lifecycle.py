"""Lifecycle behaviour beyond the table: the path of a call, the record it keeps."""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline, RequestDispatch
from callcenter.domain.lifecycle import transition
from tests.domain.factories import QUALIFICATION, call_in, make


def run(events: list[ev.CallEvent]) -> tuple[Call, list[AppendTimeline]]:
    call: Call | None = None
    steps: list[AppendTimeline] = []
    for event in events:
        call, effects = transition(call, event)
        steps += [e for e in effects if isinstance(e, AppendTimeline)]
    assert call is not None
    return call, steps


def test_handed_off_call_reads_in_order() -> None:
    call, steps = run(
        [
            make(ev.CallEntered),
            make(ev.CallerQueued),
            make(ev.SeatOffered),
            make(ev.CallerLeftQueue),
            make(ev.CallAnswered),
            make(ev.CallQualified),
            make(ev.DispatchSent),
            make(ev.ConversationEnded),
            make(ev.LineEnded),
            make(ev.DispatchAcknowledged),
        ]
    )
    assert [s.kind for s in steps] == [
        "entered",
        "queued",
        "offered",
        "left_queue",
        "answered",
        "qualified",
        "dispatch_sent",
        "conversation_ended",
        "line_ended",
        "handed_off",
        "closed",
    ]
    assert call.state is CallState.CLOSED
    assert call.outcome == "handed_off"
    assert (call.seat, call.hold_seconds, call.talk_seconds) == ("Seat 03", 4, 30)
    assert call.dispatch_unit == "CAR-12"
    assert len({s.source_id for s in steps}) == len(steps), "every step has its own identity"


def test_abandoned_call_keeps_asterisk_figures() -> None:
    call, steps = run([make(ev.CallerQueued), make(ev.CallerAbandoned), make(ev.CallerLeftQueue)])
    assert call.state is CallState.ABANDONED
    assert (call.abandon_position, call.abandon_original_position, call.hold_seconds) == (2, 3, 9)
    assert steps[0].kind == "entered" and steps[0].inferred, "joined mid-call: entry is inferred"


def test_qualifying_twice_is_an_amendment() -> None:
    amended = replace(QUALIFICATION, priority="P2")
    call, steps = run(
        [
            make(ev.CallerQueued),
            make(ev.CallAnswered),
            make(ev.CallQualified),
            make(ev.CallQualified, qualification=amended),
        ]
    )
    assert [s.kind for s in steps][-2:] == ["qualified", "amended"]
    assert call.qualification == amended
    assert steps[-1].payload["priority"] == "P2"


def test_handing_off_the_same_qualification_is_a_dispatch_request() -> None:
    qualified, _ = run([make(ev.CallerQueued), make(ev.CallAnswered), make(ev.CallQualified)])
    call, effects = transition(qualified, make(ev.CallQualified, ticket_id="T-1"))
    [step] = [e for e in effects if isinstance(e, AppendTimeline)]
    assert step.kind == "dispatch_requested" and step.payload["ticket_id"] == "T-1"
    assert [e.ticket_id for e in effects if isinstance(e, RequestDispatch)] == ["T-1"]
    assert call.qualification == QUALIFICATION
    # Without a hand-off, the same qualification again stays an amendment here (the hand-off
    # service and the API do not send it).
    _, again = transition(qualified, make(ev.CallQualified))
    assert [e.kind for e in again if isinstance(e, AppendTimeline)] == ["amended"]


def test_line_end_is_recorded_once() -> None:
    call = call_in(CallState.ANSWERED)
    call, _ = transition(call, make(ev.LineEnded))
    again, effects = transition(call, make(ev.LineEnded))
    assert again == call
    assert [e.kind for e in effects if isinstance(e, AppendTimeline)] == ["anomaly"]


def test_lost_call_records_the_gap() -> None:
    call, effects = transition(call_in(CallState.QUEUED), make(ev.CallLost))
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert call.state is CallState.LOST and call.outcome == "lost"
    assert step.kind == "lost" and step.payload["gap_started"] < step.payload["gap_ended"]
