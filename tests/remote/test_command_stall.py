"""A bridge that stalls (its event loop does not run: a long pause, CPU starvation, SIGSTOP)
while a command is on its way, and the deadline's two sides.

- Redis hands the command to the bridge's blocked XREADGROUP while the bridge stands still; the
  bridge's socket read then times out and its client reads again on a new connection. The
  command is in the group's pending list, delivered to a read nobody saw: the bridge must
  find it there and perform it while its requester still waits.
- A requester that gave up (504) has the last word: the bridge never performs that command
  later, whatever its own clock says about the deadline.
- A command the bridge took before the deadline is answered, even if the answer comes after it.

On the shared Redis under a unique prefix (nothing is restarted).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import redis as sync_redis

from callcenter.errors import PbxTimeoutError
from callcenter.messaging.command_server import CommandServer, Handler
from callcenter.messaging.commands import GROUP, BridgeKeys, Command, CommandClient, read_reply
from callcenter.messaging.connection import connect
from callcenter.remote.handlers import bridge_handlers
from callcenter.remote.ports import RemotePbx
from tests.api.fakes import FakePbx
from tests.api.logs import REDIS_URL
from tests.remote.channel import redis_keys

pytestmark = [pytest.mark.redis, pytest.mark.slow]

STALL = 3.5  # longer than the bridge's socket timeout (2 s + its 1 s block)


class NoSink:
    async def submit(self, event: object) -> None:
        return None

    async def request(self, call_id: str, qualification: object, by: str) -> str:
        return ""


def bridge_server(
    keys: BridgeKeys, handlers: Mapping[str, Handler], **kwargs: Any
) -> CommandServer:
    """As ``BridgeChannel`` builds it: 2 s Redis timeout + 1 s block, one retry."""
    redis = connect(REDIS_URL, timeout=2.0, block_seconds=1.0, retries=1)
    return CommandServer(
        redis, keys, handlers, name="stalling-bridge", ami_connected=lambda: True, **kwargs
    )


async def started(server: CommandServer, stop: asyncio.Event) -> asyncio.Task[None]:
    task = asyncio.create_task(server.run(stop))
    async with asyncio.timeout(10):
        while not await server.redis.exists(server.keys.heartbeat):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return task


def stall_after_next_read(server: CommandServer, during: Callable[[], None]) -> None:
    """The next time the bridge blocks in XREADGROUP for new entries, 50 ms later: run
    ``during`` and stand still for ``STALL`` seconds (the whole event loop does)."""
    original = server.redis.xreadgroup
    armed = True

    def stall() -> None:
        during()
        time.sleep(STALL)  # the point: the whole loop stands still

    async def xreadgroup(*args: Any, **kwargs: Any) -> Any:
        nonlocal armed
        streams = kwargs.get("streams", args[2] if len(args) > 2 else {})
        if armed and ">" in dict(streams).values():
            armed = False
            asyncio.get_running_loop().call_later(0.05, stall)
        return await original(*args, **kwargs)

    server.redis.xreadgroup = xreadgroup  # type: ignore[method-assign]


async def test_a_command_sent_while_the_bridge_stalls_is_performed_in_time() -> None:
    pbx = FakePbx()
    async with redis_keys() as (redis, keys):
        server = bridge_server(keys, bridge_handlers(pbx, NoSink(), NoSink()))
        stop = asyncio.Event()
        task = await started(server, stop)
        command = Command(
            id="stalled-1",
            op="pbx.seat_pause",
            args={"queue": "line19", "interface": "PJSIP/seat03", "reason": "break"},
            deadline=time.time() + 8.0,  # CALLCENTER_REDIS__COMMAND_TIMEOUT_SECONDS
        )
        side = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)

        handed: list[bool] = []

        def send_while_stalled() -> None:
            side.xadd(keys.commands, {"c": command.encode()})
            for _ in range(50):  # Redis hands it to the read the bridge sent before standing still
                if side.xpending(keys.commands, GROUP)["pending"] == 1:
                    handed.append(True)
                    return
                time.sleep(0.02)

        try:
            stall_after_next_read(server, send_while_stalled)
            left = command.deadline - time.time()
            popped = await redis.blpop([keys.reply(command.id)], timeout=left)
            assert handed == [True], "the command reached the read the bridge stood still in"
            assert popped is not None, "no answer before the deadline: the command was lost"
            assert read_reply(popped[1]) is None
            assert pbx.actions == [("seat_pause", ("line19", "PJSIP/seat03", "break"))]
            async with asyncio.timeout(10):  # and it leaves the pending list
                while (await redis.xpending(keys.commands, GROUP))["pending"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            side.close()
            stop.set()
            async with asyncio.timeout(20):
                await task
            await server.redis.aclose()


async def test_a_command_whose_requester_gave_up_is_never_performed() -> None:
    """The requester's deadline passed (504) before the bridge read the command; the bridge's
    clock is 30 s behind the requester's, so the deadline alone would let it through."""
    pbx = FakePbx()
    async with redis_keys() as (redis, keys):
        # A bridge looks alive (heartbeat) but does not read yet.
        await redis.set(keys.heartbeat, '{"bridge": "elsewhere", "ami": true}', ex=30)
        client = CommandClient(redis, keys, timeout=1.0)
        with pytest.raises(PbxTimeoutError, match="not performed"):
            await RemotePbx(client).seat_pause("line19", "PJSIP/seat03", "break")
        server = bridge_server(
            keys, bridge_handlers(pbx, NoSink(), NoSink()), clock=lambda: time.time() - 30
        )
        stop = asyncio.Event()
        task = asyncio.create_task(server.run(stop))
        try:
            async with asyncio.timeout(10):
                while not server.stats.abandoned:  # noqa: ASYNC110 (no event to wait on)
                    await asyncio.sleep(0.05)
                while (await redis.xpending(keys.commands, GROUP))["pending"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            assert pbx.actions == []
            assert server.stats.abandoned == 1 and server.stats.performed == 0
        finally:
            stop.set()
            async with asyncio.timeout(20):
                await task
            await server.redis.aclose()


class SlowPbx(FakePbx):
    async def seat_pause(self, queue: str, interface: str, reason: str) -> None:
        await asyncio.sleep(1.5)  # Asterisk takes its time
        await super().seat_pause(queue, interface, reason)


async def test_a_command_taken_before_the_deadline_gets_its_answer() -> None:
    pbx = SlowPbx()
    async with redis_keys() as (redis, keys):
        server = bridge_server(keys, bridge_handlers(pbx, NoSink(), NoSink()))
        stop = asyncio.Event()
        task = await started(server, stop)
        try:
            client = CommandClient(redis, keys, timeout=1.0)
            await RemotePbx(client).seat_pause("line19", "PJSIP/seat03", "break")  # no 504
            assert pbx.actions == [("seat_pause", ("line19", "PJSIP/seat03", "break"))]
        finally:
            stop.set()
            async with asyncio.timeout(20):
                await task
            await server.redis.aclose()


async def test_the_bridge_reads_commands_with_a_socket_timeout_beyond_its_block() -> None:
    async with redis_keys() as (_redis, keys):
        server = bridge_server(keys, {})
        try:
            kwargs = server.redis.connection_pool.connection_kwargs
            assert kwargs["socket_timeout"] > server.block_ms / 1000
        finally:
            await server.redis.aclose()
