"""The reconciliation with the PBX's records, as tables: (PBX rows, the call as recorded, its
timeline) -> the events to apply. Pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from callcenter.domain.pbx_log import CelRow, PbxCall, PbxRecords, QueueLogRow, calls_from
from callcenter.domain.reconcile import Plan, SeenStep, plan_call

T0 = datetime(2026, 12, 1, 20, 1, tzinfo=UTC)
LID, CALLID = "1796155260.14", "1796155260.15"  # the caller's ;1 (Linkedid) and ;2 legs
HORIZON = T0 + timedelta(minutes=5)


def t(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def q(seconds: float, event: str, *data: str, agent: str = "NONE") -> QueueLogRow:
    fields = dict(zip(("data1", "data2", "data3", "data4", "data5"), data, strict=False))
    return QueueLogRow(
        time=t(seconds), callid=CALLID, queuename="line19", agent=agent, event=event, **fields
    )


def cel(seconds: float, event: str, uniqueid: str = LID) -> CelRow:
    return CelRow(eventtype=event, eventtime=t(seconds), uniqueid=uniqueid, linkedid=LID)


ANSWERED = [
    q(0.5, "ENTERQUEUE", "", "0500000005", "5"),
    q(3.0, "CONNECT", "3", "1796155261.28", "3", agent="Seat 06"),
    q(11.6, "COMPLETEAGENT", "3", "8", "5", agent="Seat 06"),
]
ANSWERED_CEL = [
    cel(0.0, "CHAN_START"),
    cel(0.0, "CHAN_START", CALLID),
    cel(11.6, "HANGUP"),
    cel(11.7, "LINKEDID_END", CALLID),
]
ABANDONED = [q(0.5, "ENTERQUEUE", "", "0500000006", "2"), q(2.5, "ABANDON", "2", "2", "2")]


def story(rows: list[QueueLogRow], cel_rows: list[CelRow] = ANSWERED_CEL) -> PbxCall:
    (call,) = calls_from(PbxRecords(queue_log=rows, cel=cel_rows), {CALLID: LID})
    return call


def apply(call: Call | None, plan: Plan) -> tuple[Call | None, list[str]]:
    kinds = []
    for event in plan.events:
        call, effects = transition(call, event)
        kinds += [e.kind for e in effects if isinstance(e, AppendTimeline)]
    return call, kinds


def seen_live(*steps: tuple[str, float]) -> list[SeenStep]:
    return [SeenStep(kind=kind, at=t(s), clock="pbx") for kind, s in steps]


def plan(pbx: PbxCall, call: Call | None, seen: list[SeenStep], **kw: object) -> Plan:
    return plan_call(pbx, call, seen, horizon=HORIZON, received_at=t(60), **kw)  # type: ignore[arg-type]


def live(state: CallState, **fields: object) -> Call:
    return Call(id=LID, state=state, rang_at=t(0), queued_at=t(0.5), **fields)  # type: ignore[arg-type]


LOST_ANSWERED = live(CallState.LOST, answered_at=t(3), seat_answered_at=t(3), hold_seconds=3)


@pytest.mark.parametrize(
    ("rows", "cel_rows", "call", "seen", "kinds", "outcome", "talk"),
    [
        pytest.param(
            ANSWERED, ANSWERED_CEL, None, [],
            ["entered", "queued", "offered", "left_queue", "answered", "conversation_ended",
             "line_ended"],
            "answered", 8, id="began-and-ended-in-the-gap-answered",
        ),
        pytest.param(
            ABANDONED, [], None, [],
            ["entered", "queued", "abandoned", "left_queue", "line_ended"],
            "abandoned", None, id="began-and-ended-in-the-gap-abandoned-file-only",
        ),
        pytest.param(
            ANSWERED, ANSWERED_CEL, live(CallState.LOST),
            seen_live(("entered", 0), ("queued", 0.5), ("offered", 1), ("lost", 20)),
            ["recovered", "left_queue", "answered", "conversation_ended", "line_ended"],
            "answered", 8, id="lost-while-queued",
        ),
        pytest.param(
            ANSWERED, ANSWERED_CEL, LOST_ANSWERED,
            [*seen_live(("entered", 0), ("queued", 0.5), ("answered", 3.001), ("lost", 20))],
            ["recovered", "conversation_ended", "line_ended"],
            "answered", 8, id="lost-while-talking-the-live-answer-kept",
        ),
        pytest.param(
            ANSWERED, ANSWERED_CEL, live(CallState.ANSWERED, answered_at=t(13.8), seat="Seat 06"),
            [
                *seen_live(("entered", 0)),
                SeenStep(kind="queued", at=t(13.8), inferred=True, clock="inferred"),
                SeenStep(kind="answered", at=t(13.8), inferred=True, clock="inferred"),
            ],
            ["conversation_ended", "line_ended"],
            "answered", 8, id="resynced-whose-end-was-missed-inferred-steps-match-by-kind",
        ),
    ],
)  # fmt: skip
def test_plan(
    rows: list[QueueLogRow],
    cel_rows: list[CelRow],
    call: Call | None,
    seen: list[SeenStep],
    kinds: list[str],
    outcome: str,
    talk: int | None,
) -> None:
    p = plan(story(rows, cel_rows), call, seen)
    assert all(e.clock is ev.Clock.PBX_LOG and e.inferred for e in p.events)
    assert p.refused == 0
    after, steps = apply(call, p)
    assert steps == kinds
    assert after is not None and after.line_ended
    assert (after.outcome, after.talk_seconds) == (outcome, talk)
    assert after.hold_seconds == (3 if outcome == "answered" else 2)
    assert p.recovered == (call is not None and call.state is CallState.LOST)
    assert p.new_call == (call is None)


def test_the_times_are_the_pbxs() -> None:
    p = plan(story(ANSWERED), None, [])
    after, _ = apply(None, p)
    assert after is not None
    assert (after.rang_at, after.queued_at, after.answered_at, after.ended_at) == (
        t(0),
        t(0.5),
        t(3),
        t(11.7),
    )
    assert after.caller_raw == "0500000005" and after.wait_seconds == 3


def test_source_ids_name_the_call_the_step_and_its_rank() -> None:
    p = plan(story(ANSWERED), live(CallState.LOST), seen_live(("queued", 0.5), ("lost", 20)))
    assert [e.source_id for e in p.events] == [
        f"pbxlog:{LID}:recovered:1",
        f"pbxlog:{LID}:offered:1",
        f"pbxlog:{LID}:left_queue:1",
        f"pbxlog:{LID}:answered:1",
        f"pbxlog:{LID}:conversation_ended:1",
        f"pbxlog:{LID}:line_ended:1",
    ]


@pytest.mark.parametrize(
    ("call", "horizon", "why"),
    [
        (live(CallState.ANSWERED, answered_at=t(3), line_ended=True), HORIZON, "followed live"),
        (None, t(10), "ended after the horizon: its end may still come over AMI"),
        (live(CallState.LOST), t(10), "the same for a lost call: the next run"),
    ],
)
def test_nothing_to_do(call: Call | None, horizon: datetime, why: str) -> None:
    p = plan_call(story(ANSWERED), call, [], horizon=horizon, received_at=t(60))
    assert p == Plan(), why


def test_a_lost_call_the_records_cannot_end_stays_lost() -> None:
    """Only the queue stay is recorded (no CEL end, no event that ends the line)."""
    pbx = story([ANSWERED[0], ANSWERED[1]], [])
    assert pbx.ended_at is None
    assert plan(pbx, live(CallState.LOST), seen_live(("lost", 20))) == Plan()
    left = story([ANSWERED[0], q(9, "EXITWITHTIMEOUT", "1", "1", "9")], [cel(9.5, "CHAN_START")])
    assert left.ended_at is None  # CEL is there but says no end: still live on the PBX


def test_planning_again_after_applying_adds_nothing() -> None:
    pbx = story(ANSWERED)
    call, _ = apply(live(CallState.LOST), plan(pbx, live(CallState.LOST), seen_live(("lost", 20))))
    assert plan(pbx, call, seen_live(("lost", 20))) == Plan()
    new, _ = apply(None, plan(pbx, None, []))
    assert plan(pbx, new, []) == Plan()


def test_what_the_lifecycle_would_refuse_is_left_out_and_counted() -> None:
    """A second CONNECT with no re-queue between (not a story Asterisk tells): refused, with
    the ring and the queue exit it implies."""
    rows = [*ANSWERED[:2], q(4, "CONNECT", "4", "x", "1", agent="Seat 07"), ANSWERED[2]]
    p = plan(story(rows), None, [])
    assert p.refused == 3
    assert f"pbxlog:{LID}:answered:2" not in [e.source_id for e in p.events]


def test_a_transfer_ends_the_seats_conversation_and_moves_the_call() -> None:
    rows = [
        *ANSWERED[:2],
        q(7, "BLINDTRANSFER", "2001", "transfer", "3", "4", "5", agent="Seat 06"),
    ]
    after, kinds = apply(None, plan(story(rows), None, []))
    assert kinds[-4:] == ["conversation_ended", "transferred", "line_ended", "closed"]
    assert after is not None and after.state is CallState.CLOSED and after.talk_seconds == 4


def test_a_caller_who_never_reached_the_queue_is_known_from_cel_alone() -> None:
    """Hung up during the greeting, or on the overflow path after finding the queue full
    (Queue() writes no queue_log row then): CEL's first channel started in the trunk's
    context; a seat's call-back (context seats) is not a line-19 call."""

    def row(seconds: float, event: str, lid: str, context: str, cid: str = "") -> CelRow:
        return CelRow(eventtype=event, eventtime=t(seconds), uniqueid=lid, linkedid=lid,
                      context=context, cid_num=cid)  # fmt: skip

    records = PbxRecords(
        cel=[
            row(0, "CHAN_START", "7.1", "from-pstn"),
            row(0.1, "ANSWER", "7.1", "from-pstn", "0612345678"),
            row(9, "LINKEDID_END", "7.1", "from-pstn"),
            row(1, "CHAN_START", "8.1", "seats"),
            row(5, "LINKEDID_END", "8.1", "seats"),
        ]
    )
    (pbx,) = calls_from(records, {}, inbound_context="from-pstn")
    assert (pbx.call_id, pbx.caller, pbx.ended_at) == ("7.1", "0612345678", t(9))
    after, kinds = apply(None, plan(pbx, None, []))
    assert kinds == ["entered", "line_ended"]
    assert after is not None and after.outcome == "abandoned" and after.wait_seconds == 9


def test_the_steps_callcenter_stores_from_ami_come_from_the_queue_log_rows_that_imply_them() -> (
    None
):
    """Asterisk writes no queue_log row for AgentCalled or QueueCallerLeave, but every ring
    is in a RINGNOANSWER (ring ms), RINGCANCELED (ms rung) or CONNECT (ring seconds) row, and
    the caller leaves the queue with its CONNECT or ABANDON: the steps are the ones the live
    stream gives (QueueCallerLeave before AgentConnect, after QueueCallerAbandon)."""
    rows = [
        q(0.5, "ENTERQUEUE", "", "0500000005", "1"),
        q(6.5, "RINGNOANSWER", "5000", agent="Seat 02"),
        q(11.0, "CONNECT", "10", "1796155261.28", "4", agent="Seat 06"),
        q(20.0, "COMPLETECALLER", "10", "9", "1", agent="Seat 06"),
    ]
    steps = [(s.kind, s.at, s.seat) for s in story(rows).steps]
    assert steps == [
        ("entered", t(0), ""),
        ("queued", t(0.5), ""),
        ("offered", t(1.5), "Seat 02"),
        ("ring_no_answer", t(6.5), "Seat 02"),
        ("offered", t(7), "Seat 06"),
        ("left_queue", t(11), "Seat 06"),
        ("answered", t(11), "Seat 06"),
        ("conversation_ended", t(20), "Seat 06"),
        ("line_ended", t(20), ""),
    ]
    cancelled = [ABANDONED[0], q(2.0, "RINGCANCELED", "1000", agent="Seat 03"), ABANDONED[1]]
    kinds = [(s.kind, s.at) for s in story(cancelled, []).steps]
    end = t(2.5)
    assert kinds == [("entered", t(0.5)), ("queued", t(0.5)), ("offered", t(1)),
                     ("abandoned", end), ("left_queue", end), ("line_ended", end)]  # fmt: skip
    after, applied = apply(None, plan(story(cancelled, []), None, []))
    assert applied == ["entered", "queued", "offered", "abandoned", "left_queue", "line_ended"]
    assert after is not None and after.outcome == "abandoned"


def test_steps_before_what_the_timeline_already_has_are_not_added_after_it() -> None:
    """A call answered during the gap, resynced as talking (the answer inferred): the ring
    and the queue exit that came before that answer cannot follow it; they are not refused
    either (nothing the PBX said contradicts the timeline)."""
    call = live(CallState.ANSWERED, answered_at=t(13.8), seat="Seat 06")
    seen = [
        *seen_live(("entered", 0), ("queued", 0.5)),
        SeenStep(kind="answered", at=t(13.8), inferred=True, clock="inferred"),
    ]
    p = plan(story(ANSWERED), call, seen)
    assert [type(e).__name__ for e in p.events] == ["ConversationEnded", "LineEnded"]
    assert p.refused == 0
