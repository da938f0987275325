"""A bridge that has not heard from the PBX yet has no seat board to give: the API answers 503
saying so, never an empty board ("GET /seats" = []) nor 409 "not known to the PBX".

A restarting bridge used to publish its empty board at once, and every API process took it
(a new bridge is believed): for the ~20 ms between its start and the QueueStatus answer, and
for as long as the PBX stays unreachable.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from callcenter.ami.facts import MemberState
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.live.memory import MemoryLog
from callcenter.messaging.seat_snapshot import RemoteSeatBoard, SeatPublisher, encode_seats
from callcenter.storage.store import TimelineStore
from tests.api.room import build_room, client, serve
from tests.remote.channel import redis_keys

NOT_YET = "the bridge has not heard from the PBX yet"


def members(*names: str) -> list[MemberState]:
    return [
        MemberState(
            queue="line19",
            name=name,
            interface="PJSIP/" + name.replace(" ", "").lower(),
            status=1,
            paused=False,
            reason="",
            in_call=False,
            listed=True,
        )
        for name in names
    ]


@pytest.mark.redis
async def test_an_api_process_waits_for_the_restarted_bridge_to_hear_from_the_pbx(
    sqlite_store: TimelineStore,
) -> None:
    async with redis_keys() as (redis, keys):
        # The previous bridge's board, as it left it.
        old = LiveSeatBoard()
        old.rebuild(members("Seat 03", "Seat 04"))
        await redis.set(keys.seats, encode_seats(old.seats(), time.time_ns(), "old-bridge"))
        remote = RemoteSeatBoard(redis, keys, refresh=30)
        await remote.read()
        room = await build_room(sqlite_store, MemoryLog())
        room.services.seats = remote
        # The bridge restarts: it has not logged in to the PBX yet.
        board = LiveSeatBoard()
        publisher = SeatPublisher(redis, keys, board, source="new-bridge", refresh=30)
        board.on_change = publisher.changed
        stop = asyncio.Event()
        task = asyncio.create_task(publisher.run(stop))
        try:
            async with serve(room.app) as base, client(base) as http:
                assert len((await http.get("/seats", headers=room.headers("sup"))).json()) == 2
                async with asyncio.timeout(10):
                    while not publisher.published:  # noqa: ASYNC110 (no event to wait on)
                        await asyncio.sleep(0.01)
                await remote.read()
                seats = await http.get("/seats", headers=room.headers("sup"))
                assert (seats.status_code, seats.json()) == (503, {"detail": NOT_YET})
                pause = await http.post(
                    "/seats/me/pause", json={"reason": "break"}, headers=room.headers("op3")
                )
                assert (pause.status_code, pause.json()) == (503, {"detail": NOT_YET})
                assert room.pbx.actions == []

                board.rebuild(members("Seat 03", "Seat 04", "Seat 05"))  # QueueStatus done
                async with asyncio.timeout(10):
                    while remote.seat("Seat 05") is None:
                        await asyncio.sleep(0.01)
                        await remote.read()
                seats = await http.get("/seats", headers=room.headers("sup"))
                assert seats.status_code == 200 and len(seats.json()) == 3
                pause = await http.post(
                    "/seats/me/pause", json={"reason": "break"}, headers=room.headers("op3")
                )
                assert pause.status_code == 200, pause.text
        finally:
            stop.set()
            await task


@pytest.mark.redis
async def test_an_api_process_with_no_board_at_all_says_so(
    sqlite_store: TimelineStore,
) -> None:
    async with redis_keys() as (redis, keys):
        room = await build_room(sqlite_store, MemoryLog())
        remote = RemoteSeatBoard(redis, keys, refresh=30)
        await remote.read()
        room.services.seats = remote
        async with serve(room.app) as base, client(base) as http:
            me = await http.get("/seats/me", headers=room.headers("op3"))
            assert (me.status_code, me.json()) == (503, {"detail": NOT_YET})


async def test_the_room_itself_waits_for_its_first_queue_status(
    sqlite_store: TimelineStore,
) -> None:
    room = await build_room(sqlite_store, MemoryLog())
    board = LiveSeatBoard()
    room.services.seats = board
    async with serve(room.app) as base, client(base) as http:
        board.member(members("Seat 03")[0])  # a pushed event is not the whole board
        seats = await http.get("/seats", headers=room.headers("sup"))
        assert (seats.status_code, seats.json()) == (503, {"detail": NOT_YET})
        board.rebuild([])  # QueueStatus lists no member: a board nonetheless, and known
        seats = await http.get("/seats", headers=room.headers("sup"))
        assert seats.status_code == 200
        assert [(s["name"], s["state"]) for s in seats.json()] == [("Seat 03", "logged_out")]
