"""The seat board seen from an API-only process: published on change, never going back."""

from __future__ import annotations

import asyncio
import json

import pytest

from callcenter.ami.facts import MemberState
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.domain.seats import Seat, SeatState
from callcenter.messaging.seat_snapshot import (
    RemoteSeatBoard,
    SeatPublisher,
    Snapshot,
    decode_seats,
    encode_seats,
)
from tests.remote.channel import redis_keys


def member(name: str, interface: str, *, paused: bool = False) -> MemberState:
    return MemberState(
        queue="line19",
        name=name,
        interface=interface,
        status=1,
        paused=paused,
        reason="break" if paused else "",
        in_call=False,
    )


def test_a_snapshot_round_trips() -> None:
    seats = [
        Seat(name="Seat 01", interface="PJSIP/seat01", state=SeatState.PAUSED, paused_reason="x"),
        Seat(name="Seat 02", interface="PJSIP/seat02", state=SeatState.RINGING, call_id="17.1"),
    ]
    assert decode_seats(encode_seats(seats, 42, "b1")) == Snapshot("b1", 42, seats)


def test_an_older_snapshot_is_ignored() -> None:
    board = RemoteSeatBoard(None, None)  # type: ignore[arg-type]  # no Redis needed to apply
    new = [Seat(name="Seat 01", interface="PJSIP/seat01", state=SeatState.IN_CALL)]
    old = [Seat(name="Seat 01", interface="PJSIP/seat01", state=SeatState.AVAILABLE)]
    assert board.apply(encode_seats(new, 2, "b1"))
    assert not board.apply(encode_seats(old, 1, "b1"))
    assert not board.apply(encode_seats(old, 2, "b1"))
    assert not board.apply("not a snapshot")
    assert board.seats() == new
    # A restarted bridge is believed even if its clock is behind the previous one's.
    assert board.apply(encode_seats(old, 1, "b2"))
    assert board.seats() == old


def test_the_live_board_says_when_it_changed() -> None:
    changes: list[int] = []
    board = LiveSeatBoard(on_change=lambda: changes.append(1))
    board.member(member("Seat 01", "PJSIP/seat01"))
    board.member(member("Seat 01", "PJSIP/seat01"))  # the same: no change
    board.ringing("Seat 01", "17.1")
    assert len(changes) == 2


@pytest.mark.redis
async def test_changes_reach_the_remote_board_with_the_heartbeat() -> None:
    async with redis_keys() as (redis, keys):
        live = LiveSeatBoard()
        publisher = SeatPublisher(redis, keys, live, refresh=30)
        live.on_change = publisher.changed
        remote = RemoteSeatBoard(redis, keys, refresh=30)  # only pub/sub after the first read
        stop = asyncio.Event()
        tasks = [asyncio.create_task(publisher.run(stop)), asyncio.create_task(remote.run(stop))]
        try:
            async with asyncio.timeout(10):
                await remote.loaded.wait()
                assert remote.seats() == [] and not remote.pbx_connected()
                assert not remote.synced()  # no QueueStatus answer yet: no board
                live.rebuild([])
                while not remote.synced():  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                live.member(member("Seat 03", "PJSIP/seat03"))
                live.ringing("Seat 03", "1700.9")
                while remote.seat("Seat 03") != live.seat("Seat 03"):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                assert remote.seat("Seat 03") is not None
                assert remote.seats() == live.seats()
                await redis.set(keys.heartbeat, json.dumps({"ami": True}), ex=5)
                await remote.read()
                assert remote.pbx_connected()
                await redis.delete(keys.heartbeat)
                await remote.read()
                assert not remote.pbx_connected()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
