"""The operator feed follows the calls its seat saw, also once they stop naming the seat."""

from __future__ import annotations

from callcenter.domain.events import (
    CallEntered,
    CallerAbandoned,
    CallerQueued,
    SeatOffered,
    SeatRingNoAnswer,
)
from tests.api.live_client import feed
from tests.api.room import Room, ev


async def test_offer_withdrawn_reaches_the_seat_that_rang(room: Room, base: str) -> None:
    p = room.processor
    op3 = room.headers("op3")["Authorization"][7:]
    op4 = room.headers("op4")["Authorization"][7:]
    async with feed(base, "operator", op3) as (seat3, _), feed(base, "operator", op4) as (seat4, _):
        await p.handle(ev(CallEntered, "x"))
        await p.handle(ev(CallerQueued, "x", queue="line19", position=1, count=1))
        await p.handle(ev(SeatOffered, "x", queue="line19", seat="Seat 03"))
        await p.handle(ev(SeatRingNoAnswer, "x", queue="line19", seat="Seat 03", ring_ms=5000))
        await p.handle(ev(SeatOffered, "x", queue="line19", seat="Seat 04"))
        await p.handle(
            ev(
                CallerAbandoned,
                "x",
                queue="line19",
                position=1,
                original_position=1,
                hold_seconds=20,
            )
        )
        got3 = [await seat3.event() for _ in range(3)]
        assert [(m["kind"], m["seat"]) for m in got3] == [
            ("offered", "Seat 03"),
            ("ring_no_answer", None),
            ("offered", "Seat 04"),  # told once that the call went elsewhere
        ]
        got4 = [await seat4.event() for _ in range(2)]
        assert [(m["kind"], m["seat"]) for m in got4] == [
            ("offered", "Seat 04"),
            ("abandoned", None),
        ]
        # Then Seat 03 stops following the call (not told of the abandon on Seat 04).
        await room.services.hub.publish("seat", "pause", seat="Seat 03")
        nxt = await seat3.event()
        # (seq + 1 is the call's call-back task: not callable, no caller ID, so no operator's)
        assert (nxt["topic"], nxt["seq"]) == ("seat", got4[1]["seq"] + 2)
