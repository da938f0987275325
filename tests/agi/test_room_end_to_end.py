"""80 callers within a second into a 60-call room, as Asterisk would run the FastAGI sessions.

Each session sends the exact environment bytes Asterisk 20 sent (fastagi-from-asterisk.raw),
with its own uniqueid and caller ID. The store already holds calls: some still in the room,
some ended; the room must count the former, not the latter, plus every call the AGI itself
admits while the others are still being decided.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.agi import room_count
from callcenter.agi.qualify import QualifyConfig
from callcenter.domain.call import Call, CallState
from callcenter.sim.agi_peer import environment, play
from tests.agi.conftest import ENV1, RoomFactory

CAPACITY = 65
ALREADY_IN_ROOM = 5  # answered or queued calls already in the store
ARRIVING = 80


@pytest.mark.slow
async def test_80_callers_into_a_60_place_room(make_room: RoomFactory) -> None:
    # A generous budget: this test is about counting, not speed (bench/ measures speed).
    room = await make_room(capacity=CAPACITY, budget=10.0, config=QualifyConfig())
    now = datetime.now(UTC)
    for i in range(ALREADY_IN_ROOM):
        state = CallState.ANSWERED if i % 2 else CallState.QUEUED
        await room.store.save(
            Call(id=f"1.{i}", state=state, rang_at=now - timedelta(minutes=2)), []
        )
    for i in range(3):  # over: must not count
        ended = Call(id=f"2.{i}", state=CallState.CLOSED, rang_at=now, line_ended=True)
        await room.store.save(ended, [])
    await room.store.save(
        Call(id="3.0", state=CallState.ANSWERED, line_ended=True, rang_at=now), []
    )
    await asyncio.sleep(room_count.ROOM_FRESH_SECONDS)  # the snapshot taken at start is stale

    async def caller(n: int) -> tuple[str, dict[str, str]]:
        call_id = f"1795400000.{n * 2}"
        raw = environment(ENV1, agi_uniqueid=f"1795400000.{n * 2 + 1}", agi_callerid=f"06{n:08d}")
        result = await play(
            "127.0.0.1", room.port, raw, variables={"CHANNEL(linkedid)": call_id}, limit=60
        )
        assert result.closed_by_server
        return call_id, result.variables

    results = await asyncio.gather(*(caller(n) for n in range(ARRIVING)))
    routes = [v.get("CALLCENTER_ROUTE") for _, v in results]
    assert routes.count("queue") == CAPACITY - ALREADY_IN_ROOM == 60
    assert routes.count("overflow") == 20
    assert room.server.stats.answered == ARRIVING  # none dropped, none cut

    await room.server.close(grace=30)
    assert (room.route.stats.recorded, room.route.stats.record_failures) == (ARRIVING, 0)
    for call_id, variables in results:
        step = await room.entered(call_id)
        p = step["payload"]
        assert variables["CALLCENTER_CALL_ID"] == call_id
        assert p["route"] == variables["CALLCENTER_ROUTE"]
        assert p["degraded"] is False
        if p["route"] == "queue":
            assert p["state"] == "ringing"
            assert f"/{CAPACITY}: queued" in p["reason"]
        else:
            assert p["state"] == "overflowed"
            assert f"room full {CAPACITY}/{CAPACITY}: overflow path" in p["reason"]
    # the store now counts exactly the room: 5 that were there and the 60 admitted
    snapshot = await room.route.lookups.room(frozenset())
    assert len(snapshot.live_ids) == CAPACITY
