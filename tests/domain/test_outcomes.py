"""One vocabulary of outcomes: how a call ended, whatever path it took, and the caller's wait
from entry (overflow rounds included)."""

from __future__ import annotations

from datetime import timedelta

from callcenter.domain import events as ev
from callcenter.domain.call import TERMINAL_STATES, Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from callcenter.domain.outcomes import Outcome, counted_as, reached_overflow, wait_seconds
from tests.domain.factories import T0, make


def run(*events: ev.CallEvent) -> Call:
    call: Call | None = None
    for event in events:
        call, _ = transition(call, event)
    assert call is not None
    return call


def at(seconds: float) -> dict[str, object]:
    return {"at": T0 + timedelta(seconds=seconds)}


ENTERED_FULL = (
    make(ev.CallEntered, **at(0)),
    make(ev.CallEntered, route="overflow", reason="room full 60/60", **at(0.5)),
)


def test_a_caller_on_the_overflow_path_is_undecided_while_the_line_is_up() -> None:
    call = run(*ENTERED_FULL, make(ev.OverflowRound, **at(10)))
    assert call.state is CallState.OVERFLOWED
    assert call.outcome is None and call.wait_seconds is None


def test_hanging_up_on_the_overflow_path_is_an_abandon_and_ends_the_call() -> None:
    call = run(*ENTERED_FULL, make(ev.OverflowRound, **at(10)), make(ev.LineEnded, **at(17)))
    assert call.state is CallState.ABANDONED and call.state in TERMINAL_STATES
    assert call.outcome == "abandoned"
    assert call.wait_seconds == 17


def test_answered_after_overflow_is_answered_and_waited_from_entry() -> None:
    call = run(
        *ENTERED_FULL,
        make(ev.OverflowRound, **at(10)),
        make(ev.CallerQueued, **at(11)),
        make(ev.CallAnswered, hold_seconds=3, **at(14)),
    )
    assert call.outcome == "answered"
    assert (call.hold_seconds, call.wait_seconds) == (3, 14)  # the queue only; from entry


def test_abandoned_in_the_queue_after_overflow_counts_the_whole_wait() -> None:
    call = run(
        *ENTERED_FULL,
        make(ev.OverflowRound, **at(11)),
        make(ev.CallerQueued, **at(11)),
        make(ev.CallerAbandoned, hold_seconds=14, **at(25)),
        make(ev.LineEnded, **at(25)),
    )
    assert call.outcome == "abandoned"
    assert (call.hold_seconds, call.wait_seconds) == (14, 25)


def test_hung_up_before_the_queue_is_an_abandon() -> None:
    call = run(make(ev.CallEntered, **at(0)), make(ev.LineEnded, **at(2)))
    assert (call.outcome, call.wait_seconds) == ("abandoned", 2)


def test_answered_then_requeued_and_hung_up_stays_answered() -> None:
    call = run(
        make(ev.CallEntered, **at(0)),
        make(ev.CallerQueued, **at(1)),
        make(ev.CallAnswered, **at(3)),
        make(ev.CallerQueued, **at(10)),
        make(ev.CallerAbandoned, **at(20)),
        make(ev.LineEnded, **at(20)),
    )
    assert (call.outcome, call.wait_seconds) == ("answered", 3)


def test_the_columns_outcomes_are_counted_in() -> None:
    assert [counted_as(o) for o in ("answered", "transferred", "handed_off")] == [
        Outcome.ANSWERED
    ] * 3
    assert (counted_as("abandoned"), counted_as("lost"), counted_as(None)) == (
        Outcome.ABANDONED,
        Outcome.LOST,
        None,
    )
    assert counted_as("overflowed") is None  # not an outcome (rows recorded before it was one)
    assert wait_seconds("lost", rang_at=T0, answered_at=None, ended_at=T0) is None


def test_reached_overflow_reads_the_timeline() -> None:
    assert reached_overflow([{"kind": "entered"}, {"kind": "overflow_round"}])
    assert reached_overflow([{"kind": "entry_decision", "payload": {"route": "overflow"}}])
    assert not reached_overflow(
        [{"kind": "entry_decision", "payload": {"route": "queue"}}, {"kind": "answered"}]
    )


def steps_of(*events: ev.CallEvent) -> list[AppendTimeline]:
    call: Call | None = None
    out: list[AppendTimeline] = []
    for event in events:
        call, effects = transition(call, event)
        out += [e for e in effects if isinstance(e, AppendTimeline)]
    return out


def test_the_timeline_records_the_decision_and_the_wait_where_they_become_known() -> None:
    steps = steps_of(
        *ENTERED_FULL,
        make(ev.OverflowRound, **at(11)),
        make(ev.CallerQueued, **at(11)),
        make(ev.CallerAbandoned, hold_seconds=14, **at(25)),
        make(ev.LineEnded, **at(26)),
    )
    got = {s.kind: (s.payload.get("outcome"), s.payload.get("wait_seconds")) for s in steps}
    assert got["abandoned"] == ("abandoned", None)  # the caller hung up: the line ends next
    assert got["line_ended"] == (None, 26)
    assert got["overflow_round"] == (None, None)
    answered = steps_of(
        make(ev.CallEntered, **at(0)),
        make(ev.CallerQueued, **at(1)),
        make(ev.CallAnswered, **at(9)),
    )[-1]
    assert answered.kind == "answered"
    assert (answered.payload["outcome"], answered.payload["wait_seconds"]) == ("answered", 9)
