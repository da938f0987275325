"""GET /me/call carries what the panel shows when the call rings: the FastAGI's decision and
the same number's calls of the last 30 minutes with their outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.api.routes.operator import entry_decision
from callcenter.domain.entry_reasons import english, reason
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerAbandoned,
    CallerQueued,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from tests.api.room import Room, client, ev

NUMBER = "+212612345678"


async def _earlier(
    room: Room, call_id: str, ago: timedelta, *, answered: bool, number: str
) -> None:
    p, at = room.processor, datetime.now(UTC) - ago
    await p.handle(ev(CallEntered, call_id, at=at, caller_raw="0612345678", caller_e164=number))
    await p.handle(ev(CallerQueued, call_id, at=at, queue="line19", position=1, count=1))
    if answered:
        await p.handle(
            ev(CallAnswered, call_id, at=at, queue="line19", seat="Seat 07", hold_seconds=1,
               ring_seconds=1)
        )  # fmt: skip
    else:
        await p.handle(
            ev(CallerAbandoned, call_id, at=at, queue="line19", position=1, original_position=1,
               hold_seconds=30)
        )  # fmt: skip


async def test_entry_decision_and_recent_calls_of_the_number(room: Room, base: str) -> None:
    await _earlier(room, "c-45min", timedelta(minutes=45), answered=True, number=NUMBER)
    await _earlier(room, "c-20min", timedelta(minutes=20), answered=True, number=NUMBER)
    await _earlier(room, "c-10min", timedelta(minutes=10), answered=False, number=NUMBER)
    await _earlier(room, "c-other", timedelta(minutes=5), answered=False, number="+212522000000")
    p = room.processor
    await p.handle(ev(CallEntered, "now", caller_raw="0612345678", caller_e164=NUMBER))
    codes = (
        reason("callback_after_abandon", count=2, minutes=30),
        reason("room_queued", occupancy=4, capacity=60),
        reason("priority", priority=10),
    )
    await p.handle(
        ev(CallEntered, "now", caller_raw="0612345678", caller_e164=NUMBER, number_kind="mobile",
           route="queue", priority=10, reason=english(codes), reason_codes=codes,
           repeat_count=2, linked_call_ids=("c-10min", "c-20min"), callback_after_abandon=True)
    )  # fmt: skip
    await p.handle(ev(CallerQueued, "now", queue="line19", position=1, count=1))
    await p.handle(ev(SeatOffered, "now", queue="line19", seat="Seat 03"))
    room.board.set("Seat 03", state=SeatState.RINGING, call_id="now")
    async with client(base) as http:
        r = await http.get("/me/call", headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        call = r.json()["call"]
        assert call["entry_decision"] == {
            "priority": 10,
            "reason": "calling back after an abandoned call (2 in 30 min); room 4/60: queued; "
            "priority 10",
            "reason_codes": [
                {"code": "callback_after_abandon", "params": {"count": 2, "minutes": 30}},
                {"code": "room_queued", "params": {"occupancy": 4, "capacity": 60}},
                {"code": "priority", "params": {"priority": 10}},
            ],
            "route": "queue",
            "line_type": "mobile",
            "repeat_count": 2,
            "callback_after_abandon": True,
        }
        recent = call["recent_calls"]
        assert [(c["id"], c["outcome"]) for c in recent] == [
            ("c-10min", "abandoned"),
            ("c-20min", "answered"),
        ]
        assert recent[1]["seat"] == "Seat 07"
        # the caller called in again: it closes the call-back of the abandoned call
        kinds = [s["kind"] for s in r.json()["steps"]][:3]
        assert kinds == ["entered", "closes_callback", "entry_decision"]
        assert r.json()["steps"][1]["payload"]["call_id"] == "c-10min"


async def test_withheld_caller_without_decision(room: Room, base: str) -> None:
    p = room.processor
    await p.handle(ev(CallEntered, "anon", caller_raw="anonymous"))
    await p.handle(ev(CallerQueued, "anon", queue="line19", position=1, count=1))
    await p.handle(ev(SeatOffered, "anon", queue="line19", seat="Seat 03"))
    await _earlier(room, "other-anon", timedelta(minutes=3), answered=False, number="")
    room.board.set("Seat 03", state=SeatState.RINGING, call_id="anon")
    async with client(base) as http:
        call = (await http.get("/me/call", headers=room.headers("op3"))).json()["call"]
        assert call["entry_decision"] is None
        assert call["recent_calls"] == []  # withheld numbers are not one caller


def test_an_entry_decision_recorded_before_the_reason_codes_still_reads() -> None:
    """A step stored before ``reason_codes`` existed has only the English; malformed codes
    (the payload is plain JSON) are left out rather than failing the whole answer."""
    old = {"kind": "entry_decision", "payload": {"priority": 5, "reason": "repeat caller"}}
    found = entry_decision([old])
    assert found is not None
    assert (found.reason, found.reason_codes) == ("repeat caller", [])
    odd = {
        "kind": "entry_decision",
        "payload": {
            "reason": "x",
            "reason_codes": [
                "priority 5",
                {"params": {}},
                {"code": "priority", "params": {"priority": 5, "nested": {"a": 1}}},
                {"code": "repeat_unavailable"},
            ],
        },
    }
    found = entry_decision([odd])
    assert found is not None
    assert [c.model_dump() for c in found.reason_codes] == [
        {"code": "priority", "params": {"priority": 5}},
        {"code": "repeat_unavailable", "params": {}},
    ]
