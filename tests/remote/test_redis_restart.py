"""Redis restarted empty under the command channel: refused at once while down, served again after.

Runs its own ``redis-server`` on a free port (the shared server is never touched).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.errors import PbxUnavailableError
from callcenter.messaging.command_server import CommandServer
from callcenter.messaging.commands import BridgeKeys, CommandClient
from callcenter.messaging.connection import connect
from callcenter.remote.handlers import bridge_handlers
from callcenter.remote.ports import RemotePbx
from tests.api.fakes import FakePbx
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


class NoSink:
    async def submit(self, event: object) -> None:
        return None

    async def request(self, call_id: str, qualification: object, by: str) -> str:
        return ""


async def test_the_channel_survives_a_redis_restart(server: RedisServer) -> None:
    keys = BridgeKeys("cc")
    pbx = FakePbx()
    # As the bridge and the API processes build theirs (one retry on a dead connection).
    bridge_redis = connect(server.url, timeout=0.5, block_seconds=1.0, retries=1)
    client_redis = connect(server.url, timeout=0.5, block_seconds=5.0, retries=1)
    bridge = CommandServer(
        bridge_redis,
        keys,
        bridge_handlers(pbx, NoSink(), NoSink()),
        name="b",
        ami_connected=lambda: True,
        block_ms=200,
    )
    remote = RemotePbx(CommandClient(client_redis, keys, timeout=3.0))
    stop = asyncio.Event()
    task = asyncio.create_task(bridge.run(stop))
    try:
        async with asyncio.timeout(10):
            while not await client_redis.exists(keys.heartbeat):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        await remote.answer("PJSIP/seat01")

        server.kill()
        async with asyncio.timeout(5):  # down: a clear refusal, not the deadline
            with pytest.raises(PbxUnavailableError, match="Redis is unavailable"):
                await remote.answer("PJSIP/seat02")
        server.start()  # empty: no stream, no group, no heartbeat

        async def served() -> bool:
            with contextlib.suppress(PbxUnavailableError):
                await remote.answer("PJSIP/seat03")
                return True
            await asyncio.sleep(0.1)
            return False

        async with asyncio.timeout(20):
            while not await served():
                pass
        assert pbx.actions == [("answer", ("PJSIP/seat01",)), ("answer", ("PJSIP/seat03",))]
        assert bridge.stats.redis_errors >= 1
    finally:
        stop.set()
        async with asyncio.timeout(20):
            await task
        await bridge_redis.aclose()
        await client_redis.aclose()
