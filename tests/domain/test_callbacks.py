"""Call-backs, as tables: which calls become a task, who may be called, what is offered, and
what Asterisk's answers and a repeat call do to a task."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from callcenter.domain import callback_life as life
from callcenter.domain import callback_pbx
from callcenter.domain import callbacks as cb
from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.lifecycle import transition
from tests.domain.factories import QUALIFICATION, T0, make

S = CallState
RULES = cb.CallbackRules(silent_seconds=5, max_attempts=3)
ENDED = T0 + timedelta(seconds=60)


def ended(state: CallState, **over: Any) -> Call:
    fields: dict[str, Any] = {
        "id": "c1",
        "state": state,
        "caller_raw": "0612345678",
        "caller_e164": "+212612345678",
        "rang_at": T0,
        "line_ended": True,
        "ended_at": ENDED,
    }
    return Call(**(fields | over))


REASONS = [
    ("abandoned in the queue", ended(S.ABANDONED), cb.Reason.ABANDONED),
    ("abandoned before the queue", ended(S.ABANDONED, queue=None), cb.Reason.ABANDONED),
    ("lost after a reconnect", ended(S.LOST, line_ended=False), cb.Reason.CUT_OFF),
    ("answered and ended", ended(S.ANSWERED, answered_at=T0), None),
    ("qualified", ended(S.QUALIFIED, answered_at=T0, qualification=QUALIFICATION), None),
    ("closed by the operator", ended(S.CLOSED, answered_at=T0), None),
    ("still queued", ended(S.QUEUED, line_ended=False, ended_at=None), None),
]


@pytest.mark.parametrize(
    ("call", "expected"), [p[1:] for p in REASONS], ids=[p[0] for p in REASONS]
)
def test_reason_for(call: Call, expected: cb.Reason | None) -> None:
    assert cb.reason_for(call) is expected


TALKING = ended(S.ANSWERED, line_ended=False, ended_at=None, answered_at=T0, seat="Seat 03")


def complete(**over: Any) -> ev.CallEvent:
    fields: dict[str, Any] = {"call_id": "c1", "reason": "caller", "talk_seconds": 3}
    return make(ev.ConversationEnded, **(fields | over))


SILENT = [
    ("the caller hung up after 3 s", TALKING, complete(), True),
    ("exactly the threshold", TALKING, complete(talk_seconds=5), True),
    ("6 s: a conversation", TALKING, complete(talk_seconds=6), False),
    ("the seat hung up (the operator's decision)", TALKING, complete(reason="agent"), False),
    ("a transfer", TALKING, complete(reason="transfer"), False),
    (
        "qualified before",
        replace(TALKING, state=S.QUALIFIED, qualification=QUALIFICATION),
        complete(),
        False,
    ),
    ("another seat's stale report", TALKING, complete(seat="Seat 09"), False),
    ("an orphan AgentComplete", TALKING, complete(orphan=True), False),
    ("not a conversation's end", TALKING, make(ev.LineEnded, call_id="c1"), False),
]


@pytest.mark.parametrize(
    ("call", "event", "expected"), [p[1:] for p in SILENT], ids=[p[0] for p in SILENT]
)
def test_silent(call: Call, event: ev.CallEvent, expected: bool) -> None:
    assert cb.silent(call, event, RULES) is expected


CALLABLE = [
    ("0612345678", "+212612345678", None),
    ("", None, cb.NotCallable.WITHHELD),  # anonymous/unknown, cleaned by ami/callerid.py
    ("   ", None, cb.NotCallable.WITHHELD),
    ("anonymous", None, cb.NotCallable.WITHHELD),  # the FastAGI's raw caller ID
    ("<unknown>", None, cb.NotCallable.WITHHELD),
    ("Restricted", None, cb.NotCallable.WITHHELD),
    ("12", None, cb.NotCallable.INVALID),
    ("abc", None, cb.NotCallable.INVALID),
]


@pytest.mark.parametrize(("raw", "e164", "expected"), CALLABLE)
def test_not_callable(raw: str, e164: str | None, expected: cb.NotCallable | None) -> None:
    assert cb.not_callable(raw, e164) is expected


def test_a_withheld_caller_is_a_task_not_to_be_offered() -> None:
    task = cb.task_for(
        ended(S.ABANDONED, caller_raw="", caller_e164=None), cb.Reason.ABANDONED, ENDED
    )
    assert task.status is cb.Status.NOT_CALLABLE
    assert task.not_callable is cb.NotCallable.WITHHELD
    assert task.number is None
    room = life.Room(longest_wait_seconds=0, sla_answer_seconds=15)
    assert life.next_offer([task], "Seat 01", seat_free=True, room=room).task is None


def _run(events: list[ev.CallEvent]) -> list[list[cb.CallbackOp]]:
    call: Call | None = None
    out = []
    for event in events:
        new, _effects = transition(call, event)
        out.append(cb.on_transition(call, new, event, RULES))
        call = new
    return out


def test_an_abandon_opens_exactly_one_task_whatever_follows() -> None:
    ops = _run(
        [
            make(ev.CallEntered, call_id="c1"),
            make(ev.CallerQueued, call_id="c1"),
            make(ev.CallerAbandoned, call_id="c1"),
            make(ev.CallerLeftQueue, call_id="c1"),
            make(ev.LineEnded, call_id="c1"),
        ]
    )
    opened = [op for step in ops for op in step if isinstance(op, cb.OpenCallback)]
    assert len(opened) == 1
    assert opened[0].task.reason is cb.Reason.ABANDONED
    # opened at the abandon (before the hang-up): the wait runs from entry to the abandon
    assert opened[0].task.waited_seconds == 2
    assert opened[0].task.number == "+212612345678"
    assert opened[0].step.kind == "callback_task" and opened[0].step.call_id == "c1"
    # the caller's entry asked to close the number's earlier tasks (a repeat call)
    assert isinstance(ops[0][0], cb.CloseCallbacks) and ops[0][0].number == "+212612345678"


def test_a_silent_call_opens_its_task_when_the_caller_hangs_up() -> None:
    ops = _run(
        [
            make(ev.CallEntered, call_id="c1"),
            make(ev.CallerQueued, call_id="c1"),
            make(ev.CallAnswered, call_id="c1"),
            complete(talk_seconds=2),
            make(ev.LineEnded, call_id="c1"),
        ]
    )
    assert [type(op) for op in ops[3]] == [cb.OpenCallback]
    assert ops[3][0].task.reason is cb.Reason.SILENT  # type: ignore[union-attr]
    assert ops[2] == [] and ops[4] == []


def test_the_entry_decision_after_the_bridge_report_closes_nothing_twice() -> None:
    ops = _run([make(ev.CallEntered, call_id="c2"), make(ev.CallEntered, call_id="c2", reason="x")])
    assert len(ops[0]) == 1 and ops[1] == []


def task(**over: Any) -> cb.CallbackTask:
    fields: dict[str, Any] = {
        "call_id": "c1",
        "number": "+212612345678",
        "caller_raw": "0612345678",
        "reason": cb.Reason.ABANDONED,
        "status": cb.Status.OPEN,
        "created_at": ENDED,
    }
    return cb.CallbackTask(**(fields | over))


def close(number: str = "+212612345678", by: str = "c9", at: Any = None) -> cb.CloseCallbacks:
    return cb.CloseCallbacks(
        number=number,
        by_call_id=by,
        at=at or ENDED + timedelta(minutes=1),
        received_at=ENDED,
        source_id="s9",
        clock=ev.Clock.PBX,
    )


CLOSES = [
    ("open, same number", task(), close(), True),
    ("offered", task(status=cb.Status.OFFERED, seat="Seat 01"), close(), True),
    ("being called", task(status=cb.Status.CALLING, seat="Seat 01"), close(), True),
    ("another number", task(), close(number="+212699999999"), False),
    ("already reached", task(status=cb.Status.REACHED), close(), False),
    ("its own call", task(), close(by="c1"), False),
    ("opened after the repeat call came", task(), close(at=ENDED - timedelta(seconds=1)), False),
    ("not callable", task(status=cb.Status.NOT_CALLABLE, number=None), close(), False),
]


@pytest.mark.parametrize(
    ("t", "op", "expected"), [c[1:] for c in CLOSES], ids=[c[0] for c in CLOSES]
)
def test_a_repeat_call_closes(t: cb.CallbackTask, op: cb.CloseCallbacks, expected: bool) -> None:
    assert life.closes(t, op) is expected


def test_a_repeat_call_is_on_both_timelines() -> None:
    original, repeat = cb.closed_steps(task(), close())
    assert (original.call_id, original.kind, original.payload["by_call_id"]) == (
        "c1",
        "callback_closed",
        "c9",
    )
    assert (repeat.call_id, repeat.kind, repeat.payload["call_id"]) == (
        "c9",
        "closes_callback",
        "c1",
    )
    assert original.source_id != repeat.source_id
    assert life.closed(task(), close()).status is cb.Status.CLOSED


def attempt(result: cb.Result | None) -> cb.RecordAttempt:
    return cb.RecordAttempt(call_id="c1", seat="Seat 01", result=result, at=ENDED, max_attempts=3)


CALLING = task(status=cb.Status.CALLING, seat="Seat 01", attempts=1)
LAST = replace(CALLING, attempts=3)
R = cb.Result
ATTEMPTS = [
    ("start", task(status=cb.Status.OFFERED, seat="Seat 01"), None, cb.Status.CALLING, 1),
    ("reached", CALLING, R.REACHED, cb.Status.REACHED, 1),
    ("busy: again later", CALLING, R.BUSY, cb.Status.OPEN, 1),
    ("no answer: again later", CALLING, R.NO_ANSWER, cb.Status.OPEN, 1),
    ("no answer the third time", LAST, R.NO_ANSWER, cb.Status.GAVE_UP, 3),
    ("invalid number", CALLING, R.INVALID, cb.Status.CLOSED, 1),
    ("seat busy: not an attempt", CALLING, R.SEAT_BUSY, cb.Status.OPEN, 0),
    ("seat rang out: not an attempt", CALLING, R.SEAT_NO_ANSWER, cb.Status.OPEN, 0),
    (
        "late result after a repeat call",
        task(status=cb.Status.CLOSED),
        R.REACHED,
        cb.Status.CLOSED,
        0,
    ),
]


@pytest.mark.parametrize(
    ("t", "result", "status", "attempts"), [a[1:] for a in ATTEMPTS], ids=[a[0] for a in ATTEMPTS]
)
def test_attempts(
    t: cb.CallbackTask, result: cb.Result | None, status: cb.Status, attempts: int
) -> None:
    new = life.after(t, attempt(result))
    assert (new.status, new.attempts) == (status, attempts)
    if status is cb.Status.OPEN:
        assert new.seat is None  # offered again to whichever seat is free


# OriginateResponse Reason: ast_control_frame_type of the seat's leg (Asterisk 20 manager.c,
# channel.c __ast_request_and_dial): 4 ANSWER, 5 BUSY, 3 RINGING (rang out), 8 CONGESTION,
# 1 HANGUP, 0 no channel.
ORIGINATE = [
    ("Success", "4", None),
    ("Failure", "5", R.SEAT_BUSY),
    ("Failure", "3", R.SEAT_NO_ANSWER),
    ("Failure", "8", R.FAILED),
    ("Failure", "1", R.FAILED),
    ("Failure", "0", R.FAILED),
    ("Failure", "", R.FAILED),
]


@pytest.mark.parametrize(("response", "reason", "expected"), ORIGINATE)
def test_originate_response(response: str, reason: str, expected: cb.Result | None) -> None:
    assert callback_pbx.originate_result(response, reason) is expected


DIAL = [
    ("ANSWER", R.REACHED),
    ("BUSY", R.BUSY),
    ("NOANSWER", R.NO_ANSWER),
    ("CANCEL", R.NO_ANSWER),
    ("CONGESTION", R.INVALID),
    ("CHANUNAVAIL", R.INVALID),
    ("answer", R.REACHED),
    ("RINGING", None),
]


@pytest.mark.parametrize(("status", "expected"), DIAL)
def test_dial_end(status: str, expected: cb.Result | None) -> None:
    assert callback_pbx.dial_result(status) is expected


ROOM_OK = life.Room(longest_wait_seconds=10, sla_answer_seconds=15)


def test_offer_most_urgent_then_oldest() -> None:
    old = task(call_id="old", created_at=ENDED - timedelta(minutes=5))
    new = task(call_id="new")
    repeated = task(call_id="rep", repeat_count=3)
    cut = task(call_id="cut", reason=cb.Reason.CUT_OFF)
    assert life.next_offer([new, old], "S", seat_free=True, room=ROOM_OK).task == old
    assert life.next_offer([new, old, cut], "S", seat_free=True, room=ROOM_OK).task == cut
    assert (
        life.next_offer([new, old, cut, repeated], "S", seat_free=True, room=ROOM_OK).task
        == repeated
    )


OFFERS = [
    ("free seat, queue within target", True, 15.0, "c1"),
    ("a caller beyond the answer target", True, 15.1, "queue_beyond_sla"),
    ("seat not free", False, 0.0, "seat_busy"),
]


@pytest.mark.parametrize(
    ("free", "wait", "expected"), [o[1:] for o in OFFERS], ids=[o[0] for o in OFFERS]
)
def test_offer_gates(free: bool, wait: float, expected: str) -> None:
    room = life.Room(longest_wait_seconds=wait, sla_answer_seconds=15)
    offer = life.next_offer([task()], "S", seat_free=free, room=room)
    assert (offer.task.call_id if offer.task else offer.why_none) == expected


def test_a_seat_keeps_its_own_offer_and_others_are_not_offered_it() -> None:
    mine = task(status=cb.Status.OFFERED, seat="S")
    assert life.next_offer([mine], "S", seat_free=False, room=ROOM_OK).task == mine
    offer = life.next_offer([mine], "T", seat_free=True, room=ROOM_OK)
    assert offer.task is None and offer.why_none == "nothing_to_call"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (callback_pbx.action_id("1795319001.4", 2), ("1795319001.4", 2)),
        ("callback/x/y", None),
        ("action/abc/1/2", None),
        ("callback//1", None),
    ],
)
def test_action_id(value: str, expected: tuple[str, int] | None) -> None:
    assert callback_pbx.parse_action_id(value) == expected
