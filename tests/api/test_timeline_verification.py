"""The API says, with every timeline page, whether the call's whole chain still holds."""

from __future__ import annotations

from sqlalchemy import text

from callcenter.domain.events import CallEntered, CallerQueued, SeatOffered
from tests.api.room import Room, client, ev


async def test_the_timeline_carries_its_verification(room: Room, base: str) -> None:
    await room.processor.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
    await room.processor.handle(
        ev(CallerQueued, "c1", queue="line19", position=1, count=1, channel="PJSIP/t-1")
    )
    await room.processor.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
    async with client(base) as http:
        page = await http.get("/audit/calls/c1/timeline?limit=1", headers=room.headers("aud"))
        body = page.json()
        assert body["verification"]["status"] == "intact", body
        assert body["verification"]["steps"] == 3
        assert len(body["steps"][0]["hash"]) == 64
        async with room.services.store.engine.begin() as conn:
            await conn.execute(text("UPDATE timeline SET kind = 'answered' WHERE seq = 3"))
        page = await http.get("/calls/c1/timeline", headers=room.headers("sup"))
    verification = page.json()["verification"]
    assert (verification["status"], verification["first_bad_seq"]) == ("broken", 3)
