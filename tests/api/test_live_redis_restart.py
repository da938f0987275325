"""The shared live log after Redis restarted empty, or came back with its last writes lost
(an append-only file synced every second): feeds keep delivering, never twice, and say
``reset`` where something may have been missed.

Runs its own ``redis-server`` on a free port (no persistence); the shared server is never
touched. "Came back older" is played with DUMP/RESTORE of the log's two keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from callcenter.auth.roles import Role
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.storage.store import TimelineStore
from tests.api.live_client import Feed, feed
from tests.api.room import build_room, serve
from tests.dispatch.test_redis_restart import RedisServer, free_port

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(free_port(), tmp_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


@asynccontextmanager
async def live_room(
    store: TimelineStore, server: RedisServer
) -> AsyncIterator[tuple[Any, str, str]]:
    log = RedisStreamLog.from_url(server.url, key="cc:live")
    room = await build_room(store, log)
    async with serve(room.app) as base:
        yield room, base, room.token("sup", Role.SUPERVISOR)
    await log.close()


async def publish(room: Any, *names: str) -> None:
    """Publish, retrying while the log's connections notice the restart."""
    for name in names:
        async with asyncio.timeout(20):
            while True:
                try:
                    await room.services.hub.publish("call", "tick", call_id=name)
                    break
                except Exception:  # the pooled connection died with the server
                    await asyncio.sleep(0.1)


async def until_event(live: Feed, call_id: str) -> list[dict[str, Any]]:
    """Every frame up to and including the event of ``call_id``."""
    frames = []
    while True:
        frame = await live.recv(20)
        frames.append(frame)
        if frame.get("call_id") == call_id:
            return frames


async def test_an_open_feed_goes_on_after_redis_restarted_empty(
    sqlite_store: TimelineStore, server: RedisServer
) -> None:
    async with live_room(sqlite_store, server) as (room, base, token):
        async with feed(base, "supervisor", token) as (live, _hello):
            await publish(room, "a1", "a2", "a3")
            before = [await live.event() for _ in range(3)]
            server.kill()
            server.start()  # empty
            await publish(room, "b1", "b2")
            frames = await until_event(live, "b2")
        reset, *events = frames
        assert reset["type"] == "reset" and reset["requested"] == before[-1]["seq"]
        assert [e["call_id"] for e in events] == ["b1", "b2"]
        seqs = [m["seq"] for m in before + events]
        assert seqs == sorted(set(seqs))  # never back, never twice: the client keeps its order
        assert reset["seq"] < events[0]["seq"]


async def test_a_client_resuming_after_the_restart_is_told_to_reload(
    sqlite_store: TimelineStore, server: RedisServer
) -> None:
    async with live_room(sqlite_store, server) as (room, base, token):
        await publish(room, *(f"a{n}" for n in range(5)))
        async with feed(base, "supervisor", token, after=0) as (live, _hello):
            last = [await live.event() for _ in range(5)][-1]["seq"]
        server.kill()
        server.start()
        # More messages after the restart than the client had seen before it.
        await publish(room, *(f"b{n}" for n in range(8)))
        async with feed(base, "supervisor", token, after=last) as (live, _hello):
            frames = await until_event(live, "b7")
        assert frames[0]["type"] == "reset" and frames[0]["requested"] == last
        assert [f["call_id"] for f in frames[1:]] == [f"b{n}" for n in range(8)]


async def test_a_log_that_came_back_older_does_not_hide_new_messages(
    sqlite_store: TimelineStore, server: RedisServer
) -> None:
    """Redis restarted from an append-only file that lost its last second: the log is as it
    was two messages ago, and the clients have seen more than it holds."""
    async with live_room(sqlite_store, server) as (room, base, token):
        redis = Redis.from_url(server.url)
        try:
            async with feed(base, "supervisor", token) as (live, _hello):
                await publish(room, "a1", "a2")
                await until_event(live, "a2")
                saved = {k: await redis.dump(k) for k in ("cc:live", "cc:live:seq")}
                await publish(room, "a3", "a4")
                seen = await until_event(live, "a4")
                for key, value in saved.items():  # the lost second
                    await redis.restore(key, 0, value, replace=True)
                await publish(room, "b1", "b2", "b3")
                frames = await until_event(live, "b3")
        finally:
            await redis.aclose()
        reset, *events = frames
        assert reset["type"] == "reset" and reset["requested"] == seen[-1]["seq"]
        assert [e["call_id"] for e in events] == ["b1", "b2", "b3"]
        assert events[0]["seq"] > seen[-1]["seq"]
