"""Stopping the bridge's command server while its heartbeat is blocked in a Redis read.

The heartbeat's ``SET ... GET`` goes to a Redis that accepted the connection and never
answers (a real socket: redis-py's own read blocks), and the first cancellation is lost there,
as redis-py was seen to lose one (``callcenter/tasks.py``): the server must still stop within
a second or so, not wait for ever. The commands stream itself is on the shared Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from callcenter.messaging.command_server import CommandServer
from callcenter.tasks import cancel_and_wait
from tests.remote.channel import redis_keys

pytestmark = pytest.mark.redis


@contextlib.asynccontextmanager
async def silent_redis() -> AsyncIterator[Redis]:
    """A client of a server that takes every command and never replies."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while await reader.read(4096):
                pass
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Redis(host="127.0.0.1", port=port, decode_responses=True)  # no socket timeout
    try:
        yield client
    finally:
        await client.aclose()
        server.close()


async def test_a_heartbeat_blocked_in_a_read_does_not_hold_up_the_stop() -> None:
    async with redis_keys() as (redis, keys), silent_redis() as silent:
        server = CommandServer(
            redis,
            keys,
            {},
            name="stopping-bridge",
            ami_connected=lambda: True,
            heartbeat_every=0.05,
            block_ms=100,
        )
        blocked = asyncio.Event()
        cancels = 0

        async def set_on_silent_redis(*args: Any, **kwargs: Any) -> Any:
            nonlocal cancels
            blocked.set()
            while True:
                try:
                    return await silent.set(*args, **kwargs)  # never answered
                except asyncio.CancelledError:
                    cancels += 1
                    if cancels > 1:
                        raise
                    # the first one is lost: the client goes on reading

        stop = asyncio.Event()
        task = asyncio.create_task(server.run(stop))
        async with asyncio.timeout(10):
            while not await redis.exists(keys.heartbeat):  # noqa: ASYNC110 (no event)
                await asyncio.sleep(0.02)
        server.redis.set = set_on_silent_redis  # type: ignore[method-assign]
        async with asyncio.timeout(5):
            await blocked.wait()
        await asyncio.sleep(0.1)  # well inside the read
        stop.set()
        started = time.monotonic()
        done, _ = await asyncio.wait({task}, timeout=5)
        took = time.monotonic() - started
        await cancel_and_wait(task)  # the test's own clean-up, whatever happened
        assert done, "the server still waits for its heartbeat's read"
        assert took < 2.5  # a read's block, then one repeated cancellation after 0.5 s
        assert cancels == 2
        assert not await redis.exists(keys.heartbeat)  # deleted on the way out
