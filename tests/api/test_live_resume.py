"""Websocket resume and slow clients, on the memory log and on a real Redis Stream."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.auth.roles import Role
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.logs import make_log
from tests.api.room import build_room, serve

KINDS = ["memory", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.mark.parametrize("kind", KINDS)
async def test_resume_after_100_updates_gets_each_once_in_order(
    kind: str, sqlite_store: TimelineStore
) -> None:
    async with make_log(kind) as log:
        room = await build_room(sqlite_store, log)
        hub = room.services.hub
        token = room.token("sup", Role.SUPERVISOR)
        async with serve(room.app) as base:
            async with feed(base, "supervisor", token) as (live, _hello):
                for n in range(5):
                    await hub.publish("call", "tick", call_id=f"c{n}")
                seen = [await live.event() for _ in range(5)]
            last = seen[-1]["seq"]
            # Disconnected: 100 updates pass.
            for n in range(100):
                await hub.publish("call", "missed", call_id=f"m{n}", seat="Seat 03")

            async def more() -> None:
                for n in range(50):
                    await hub.publish("call", "live", call_id=f"l{n}")

            async with feed(base, "supervisor", token, after=last) as (live, hello):
                assert hello["seq"] == last
                racing = asyncio.create_task(more())  # published while the backlog is sent
                got = [await live.event() for _ in range(150)]
                await racing
                await hub.publish("call", "marker")
                assert (await live.event())["kind"] == "marker"
        seqs = [m["seq"] for m in got]
        assert seqs == sorted(set(seqs)) and seqs[0] > last
        assert [m["call_id"] for m in got[:100]] == [f"m{n}" for n in range(100)]
        assert [m["call_id"] for m in got[100:]] == [f"l{n}" for n in range(50)]
        if kind == "memory":  # the Redis log's numbers follow its clock (they skip)
            assert seqs == list(range(last + 1, last + 151))


@pytest.mark.parametrize("kind", KINDS)
async def test_trimmed_history_is_announced(kind: str, sqlite_store: TimelineStore) -> None:
    async with make_log(kind, retention=10) as log:
        room = await build_room(sqlite_store, log)
        for n in range(300):
            await room.services.hub.publish("call", "old", call_id=f"o{n}")
        async with serve(room.app) as base:
            token = room.token("sup", Role.SUPERVISOR)
            async with feed(base, "supervisor", token, after=1) as (live, _hello):
                notice = await live.recv()
                assert notice["type"] == "trimmed" and notice["seq"] == 1
                rest = [await live.event()]
                while rest[-1]["call_id"] != "o299":
                    rest.append(await live.event())
                assert notice["first_available"] == rest[0]["seq"]
                kept = len(rest)
                assert 10 <= kept < 299  # Redis trims approximately (MAXLEN ~)
                assert [m["call_id"] for m in rest] == [f"o{n}" for n in range(300 - kept, 300)]
                if kind == "memory":
                    assert [m["seq"] for m in rest] == list(range(301 - kept, 301))


async def test_slow_client_is_told_it_fell_behind(sqlite_store: TimelineStore) -> None:
    async with make_log("memory") as log:
        room = await build_room(sqlite_store, log, buffer=8)
        hub = room.services.hub
        token = room.token("sup", Role.SUPERVISOR)
        async with serve(room.app) as base:
            async with feed(base, "supervisor", token) as (live, hello):
                # The client reads nothing while many updates are published at once: its
                # buffer of 8 overflows before the server can send them.
                for n in range(2000):
                    await hub.publish("call", "burst", call_id=f"b{n}", payload={"pad": "x" * 200})
                messages = []
                while True:
                    message = await live.recv()
                    messages.append(message)
                    if message["type"] != "event":
                        break
                behind = messages[-1]
                assert behind["type"] == "behind"
                events = messages[:-1]
                assert [m["seq"] for m in events] == list(
                    range(hello["seq"] + 1, behind["seq"] + 1)
                )
                assert behind["seq"] < hello["seq"] + 2000
            assert hub.stats.overflows == 1
            # Reconnecting from there loses nothing.
            async with feed(base, "supervisor", token, after=behind["seq"]) as (live, _h):
                rest = [await live.event() for _ in range(hello["seq"] + 2000 - behind["seq"])]
                assert rest[-1]["call_id"] == "b1999"


async def test_resume_beyond_the_log_end_is_a_reset(sqlite_store: TimelineStore) -> None:
    async with make_log("memory") as log:
        room = await build_room(sqlite_store, log)
        await room.services.hub.publish("call", "one")
        async with serve(room.app) as base:
            token = room.token("sup", Role.SUPERVISOR)
            async with feed(base, "supervisor", token, after=500) as (live, hello):
                assert hello["seq"] == 1
                assert await live.recv() == {"type": "reset", "seq": 1, "requested": 500}
                await room.services.hub.publish("call", "two")
                assert (await live.event())["seq"] == 2
