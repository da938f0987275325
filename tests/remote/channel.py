"""A command channel on the real Redis under a unique prefix, with a bridge over given ports."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from redis.asyncio import Redis

from callcenter.messaging.command_server import CommandServer, Handler
from callcenter.messaging.commands import BridgeKeys, CommandClient
from callcenter.messaging.connection import connect
from tests.api.logs import REDIS_URL


@contextlib.asynccontextmanager
async def redis_keys() -> AsyncIterator[tuple[Redis, BridgeKeys]]:
    """A client and a unique prefix; every key under it is deleted afterwards."""
    redis = connect(REDIS_URL, timeout=2.0, block_seconds=10.0)
    keys = BridgeKeys(f"test:{uuid.uuid4().hex}")
    try:
        yield redis, keys
    finally:
        found = [k async for k in redis.scan_iter(f"{keys.prefix}:*")]
        if found:
            await redis.delete(*found)
        await redis.aclose()


@dataclass
class Bridge:
    server: CommandServer
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.stop.set()
        async with asyncio.timeout(10):
            await self.task


@contextlib.asynccontextmanager
async def bridge(
    redis: Redis, keys: BridgeKeys, handlers: Mapping[str, Handler], *, ami: bool = True
) -> AsyncIterator[Bridge]:
    server = CommandServer(redis, keys, handlers, name="test-bridge", ami_connected=lambda: ami)
    stop = asyncio.Event()
    task = asyncio.create_task(server.run(stop))
    running = Bridge(server, stop, task)
    try:
        async with asyncio.timeout(10):
            while not await redis.exists(keys.heartbeat):  # noqa: ASYNC110 (no event)
                await asyncio.sleep(0.02)
        yield running
    finally:
        if not task.done():
            await running.close()


def command_client(redis: Redis, keys: BridgeKeys, timeout: float = 5.0) -> CommandClient:
    return CommandClient(redis, keys, timeout=timeout)
