"""When the bridge starts before the PBX: logged in within a second of the PBX accepting
connections, however long it waited; and a wrong secret is not hammered.

The PBX is the simulator (a protocol-faithful Asterisk stand-in), started on a port the
client has been knocking on.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from callcenter.ami.backoff import Backoff, Failure
from callcenter.ami.client import AmiClient
from callcenter.settings import AmiSettings
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import Room, make_room


@pytest.fixture
async def room(sqlite_store: TimelineStore) -> AsyncIterator[Room]:
    room = make_room(sqlite_store, offline=False)
    room.runner.start()
    yield room
    await room.runner.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pbx(port: int, secret: str = "callcenter") -> SimulatorService:
    return SimulatorService(
        SimulatorConfig(
            queues=load_queues(None),
            credentials={"callcenter": secret},
            ami_port=port,
            control_port=None,
        )
    )


def ami(port: int) -> AmiSettings:
    return AmiSettings(port=port, secret=SecretStr("callcenter"), ping_interval=30)


@pytest.mark.slow
async def test_logged_in_within_a_second_of_the_pbx_accepting(room: Room) -> None:
    port = free_port()
    client = AmiClient(ami(port), room.bridge)
    task = asyncio.create_task(client.run())
    sim = pbx(port)
    try:
        async with asyncio.timeout(20):  # the PBX is still down after 3.5 s of knocking
            started = time.monotonic()
            while time.monotonic() - started < 3.6:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            assert not client.logged_in.is_set()
            assert client.stats.reconnects >= 4
            await sim.start()
            up = time.monotonic()
            await client.logged_in.wait()
        assert time.monotonic() - up < 1.0
        async with asyncio.timeout(10):  # and the board follows (QueueStatus after the login)
            while not room.seats.synced():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        assert len(room.seats.seats()) == 20
    finally:
        await client.close()
        await task
        await sim.stop()


@pytest.mark.slow
async def test_a_wrong_secret_is_not_hammered(room: Room) -> None:
    port = free_port()
    sim = pbx(port, secret="another-secret")
    await sim.start()
    client = AmiClient(ami(port), room.bridge)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.sleep(3.0)
        assert 1 <= client.stats.login_failures <= 3  # 0 s, ~1 s, ~3 s
        assert not client.logged_in.is_set()
    finally:
        await client.close()
        await task
        await sim.stop()


def test_the_schedule_by_what_the_last_attempt_met() -> None:
    backoff = Backoff(refused=0.25, initial=0.5, login_initial=1.0, maximum=30.0, jitter=0.0)
    assert [backoff.next(Failure.REFUSED) for _ in range(100)] == [0.25] * 100
    assert [backoff.next(Failure.LOGIN) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert [backoff.next(Failure.OTHER) for _ in range(3)] == [0.5, 1, 2]
    backoff.reset()  # a session got through
    assert backoff.next(Failure.LOGIN) == 1 and backoff.next(Failure.OTHER) == 0.5


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
def test_jitter_spreads_each_delay_by_a_fifth(draw: float) -> None:
    backoff = Backoff(refused=0.25, jitter=0.2, random=lambda: draw)
    assert 0.2 <= backoff.next(Failure.REFUSED) <= 0.3
