"""Issue 14, item 9 (part): Asterisk's stale AgentComplete after a Redirect changes nothing.

shared/asterisk/README.md: a caller redirected back into the queue gets no AgentComplete at
the redirect; the first seat's arrives when the caller finally hangs up, TalkTime counted up
to then, possibly after the caller's Hangup and with no Channel fields. On a real recording
callcenter added it (talk 21 s for conversations of about 2 s and 9 s, and a
``conversation_ended`` step after ``line_ended``). It is now a ``stale_agent_complete`` step
that leaves the call as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.ami.translate import Translator
from callcenter.domain import events as ev
from callcenter.domain.call import Call
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.lifecycle import transition
from tests.ami.test_translate import frame

T0 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def at(seconds: float) -> dict[str, object]:
    when = T0 + timedelta(seconds=seconds)
    return {"call_id": "c1", "at": when, "received_at": when, "source_id": f"s{seconds}"}


def play(events: list[ev.CallEvent]) -> tuple[Call, list[str]]:
    call: Call | None = None
    kinds: list[str] = []
    for event in events:
        call, effects = transition(call, event)
        kinds += [e.kind for e in effects if isinstance(e, AppendTimeline)]
    assert call is not None
    return call, kinds


def redirected_call(*late: ev.CallEvent) -> tuple[Call, list[str]]:
    q = {"queue": "line19"}
    return play(
        [
            ev.CallEntered(**at(0), caller_raw="0612345678"),  # type: ignore[arg-type]
            ev.CallerQueued(**at(1), **q, position=1, count=1),  # type: ignore[arg-type]
            ev.SeatOffered(**at(1.5), **q, seat="Seat 01"),  # type: ignore[arg-type]
            ev.CallAnswered(**at(2), **q, seat="Seat 01", hold_seconds=1, ring_seconds=1),  # type: ignore[arg-type]
            # Redirect back into line19 at 4 s: no AgentComplete, a fresh QueueCallerJoin
            ev.CallerQueued(**at(4), **q, position=1, count=1),  # type: ignore[arg-type]
            ev.SeatOffered(**at(5), **q, seat="Seat 02"),  # type: ignore[arg-type]
            ev.CallAnswered(**at(6), **q, seat="Seat 02", hold_seconds=2, ring_seconds=1),  # type: ignore[arg-type]
            *late,
        ]
    )


def complete(seconds: float, seat: str, talk: int, **extra: object) -> ev.ConversationEnded:
    return ev.ConversationEnded(
        **at(seconds),  # type: ignore[arg-type]
        queue="line19",
        seat=seat,
        hold_seconds=1,
        talk_seconds=talk,
        reason="caller",
        **extra,  # type: ignore[arg-type]
    )


def test_the_stale_agent_complete_after_the_line_ended_changes_nothing() -> None:
    call, kinds = redirected_call(
        complete(15, "Seat 02", 9),
        ev.LineEnded(**at(15.2)),  # type: ignore[arg-type]
        complete(15.3, "Seat 01", 13, orphan=True),  # the stale one, no Channel fields
    )
    assert call.talk_seconds == 2 + 9  # Seat 01 from 2 s to the redirect at 4 s, Seat 02's 9
    assert kinds[-3:] == ["conversation_ended", "line_ended", "stale_agent_complete"]
    assert "conversation_ended" not in kinds[kinds.index("line_ended") :]


def test_the_stale_one_before_the_line_ends_is_recognised_by_its_seat() -> None:
    before, _ = redirected_call(complete(15, "Seat 02", 9))
    call, kinds = redirected_call(complete(15, "Seat 02", 9), complete(15.1, "Seat 01", 13))
    assert call == before
    assert kinds[-1] == "stale_agent_complete"


def test_each_seats_conversation_is_its_own_span() -> None:
    call: Call | None = None
    steps: list[AppendTimeline] = []
    _, kinds = redirected_call()
    for event in [
        ev.CallEntered(**at(0), caller_raw="0612345678"),  # type: ignore[arg-type]
        ev.CallerQueued(**at(1), queue="line19", position=1, count=1),  # type: ignore[arg-type]
        ev.CallAnswered(**at(2), queue="line19", seat="Seat 01", hold_seconds=1, ring_seconds=1),  # type: ignore[arg-type]
        ev.CallerQueued(**at(4.4), queue="line19", position=1, count=1),  # type: ignore[arg-type]
    ]:
        call, effects = transition(call, event)
        steps += [e for e in effects if isinstance(e, AppendTimeline)]
    assert call is not None and call.seat is None and call.talk_seconds == 2
    queued, ended = steps[-2:]  # the event's own step first, at the same time
    assert (queued.kind, ended.kind) == ("queued", "conversation_ended")
    assert ended.payload["seat"] == "Seat 01" and ended.payload["reason"] == "redirect"
    assert ended.at == queued.at and ended.source_id.endswith(":left_seat")
    assert kinds.count("conversation_ended") == 1  # in the redirected call above


def test_a_later_seats_conversation_is_its_own_span_too() -> None:
    """Redirected twice: Seat 02's conversation (6 s to the redirect at 15 s) starts at its own
    AgentConnect, not at the first answer; the call's talk is the sum of the three spans."""
    call: Call | None = None
    steps: list[AppendTimeline] = []
    q = {"queue": "line19"}
    for event in [
        ev.CallEntered(**at(0), caller_raw="0612345678"),  # type: ignore[arg-type]
        ev.CallerQueued(**at(1), **q, position=1, count=1),  # type: ignore[arg-type]
        ev.CallAnswered(**at(2), **q, seat="Seat 01", hold_seconds=1, ring_seconds=1),  # type: ignore[arg-type]
        ev.CallerQueued(**at(4), **q, position=1, count=1),  # type: ignore[arg-type]
        ev.CallAnswered(**at(6), **q, seat="Seat 02", hold_seconds=2, ring_seconds=1),  # type: ignore[arg-type]
        ev.CallerQueued(**at(15), **q, position=1, count=1),  # type: ignore[arg-type]
        ev.CallAnswered(**at(16), **q, seat="Seat 03", hold_seconds=1, ring_seconds=1),  # type: ignore[arg-type]
        complete(19, "Seat 03", 3),
        ev.LineEnded(**at(19.2)),  # type: ignore[arg-type]
        complete(19.3, "Seat 01", 17, orphan=True),  # the stale ones, no Channel fields
        complete(19.4, "Seat 02", 13, orphan=True),
    ]:
        call, effects = transition(call, event)
        steps += [e for e in effects if isinstance(e, AppendTimeline)]
    assert call is not None and call.talk_seconds == 2 + 9 + 3
    spans = [s.payload for s in steps if s.kind == "conversation_ended"]
    assert [(p["seat"], p["talk_seconds"]) for p in spans] == [
        ("Seat 01", 2),
        ("Seat 02", 9),
        ("Seat 03", 3),
    ]
    answers = [(T0 + timedelta(seconds=t)).isoformat() for t in (2, 6, 16)]
    assert [p["started_at"] for p in spans] == answers  # each seat's own answer
    left = [s for s in steps if s.source_id.endswith(":left_seat")]
    assert [s.at for s in left] == [T0 + timedelta(seconds=4), T0 + timedelta(seconds=15)]
    assert [s.kind for s in steps][-2:] == ["stale_agent_complete", "stale_agent_complete"]


def test_an_agent_complete_without_channel_fields_is_marked_orphan() -> None:
    stale = frame(
        """Event: AgentComplete
Privilege: agent,all
Timestamp: 1795319900.000001
DestChannel: PJSIP/seat01-00000007
DestUniqueid: 1795319890.12
DestLinkedid: 1795319880.10
Queue: line19
MemberName: Seat 01
Interface: PJSIP/seat01
HoldTime: 1
TalkTime: 13
Reason: caller"""
    )
    (event,) = Translator().translate(stale, T0)
    assert isinstance(event, ev.ConversationEnded)
    assert event.orphan and event.call_id == "1795319880.10"
    assert event.details()["orphan"] is True
    live = complete(1, "Seat 01", 3)
    assert "orphan" not in live.details()
