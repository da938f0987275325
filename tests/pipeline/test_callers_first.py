"""Callers first: the runner holds its next batch while a FastAGI answer is in progress, for at
most ``max_hold``; the events keep their order and are taken as one batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest

from callcenter.agi.protocol import AgiRequest, AgiSession
from callcenter.agi.server import FastAgiServer
from callcenter.domain.events import CallEntered, Clock
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.priority import CallersFirst
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.storage.store import TimelineStore


def entered(call_id: str) -> CallEntered:
    now = datetime.now(UTC)
    return CallEntered(
        call_id=call_id,
        at=now,
        received_at=now,
        source_id=f"agi:{call_id}",
        clock=Clock.ARRIVAL,
        caller_raw="0612345678",
    )


@pytest.fixture
async def runner(store: TimelineStore) -> AsyncIterator[tuple[OrderedRunner, CallersFirst]]:
    gate = CallersFirst(max_hold=5.0)
    runner = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False, gate=gate)
    runner.start()
    yield runner, gate
    await runner.close()


async def test_nothing_is_applied_while_a_caller_waits_then_all_in_one_batch(
    runner: tuple[OrderedRunner, CallersFirst], store: TimelineStore
) -> None:
    recorder, gate = runner
    with gate.answering():
        for n in range(5):
            recorder.put_nowait(entered(f"c{n}"))
            await asyncio.sleep(0.02)
        assert recorder.stats.processed == 0 and recorder.backlog() == 5
    await asyncio.wait_for(recorder.drain(), 5)
    assert recorder.stats.processed == 5
    assert recorder.stats.batches == 1  # held, then taken together
    assert gate.stats.held == 1 and gate.stats.cut_short == 0
    assert [s["kind"] for s in await store.timeline("c4")] == ["entered"]


async def test_a_long_answer_holds_the_runner_no_longer_than_max_hold(
    store: TimelineStore,
) -> None:
    gate = CallersFirst(max_hold=0.05)
    recorder = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False, gate=gate)
    recorder.start()
    try:
        with gate.answering():  # an answer that never ends, as far as the runner can tell
            recorder.put_nowait(entered("c1"))
            await asyncio.wait_for(recorder.drain(), 2)
            assert recorder.stats.processed == 1
        assert gate.stats.cut_short == 1
        assert 0.04 <= gate.stats.held_seconds_max < 2
    finally:
        await recorder.close()


async def test_the_fastagi_server_holds_the_gate_while_a_route_runs() -> None:
    seen: list[bool] = []
    gate = CallersFirst()

    async def route(
        session: AgiSession,
        request: AgiRequest,
        deadline: float,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        seen.append(gate.busy)

    server = FastAgiServer({"qualify": route}, port=0, gate=gate)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network_script: qualify\nagi_uniqueid: 1.1\n\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed: answered
        writer.close()
    finally:
        await server.close()
    assert seen == [True]
    assert not gate.busy


async def test_callcenter_agi_wires_the_gate_unless_set_to_zero(store: TimelineStore) -> None:
    from callcenter.assembly.agi import AgiProcess
    from callcenter.settings import AgiSettings, Settings

    wired = AgiProcess(Settings(agi=AgiSettings(port=0, callers_first_ms=50)), store)
    assert wired.runner.gate is wired.server.gate and wired.server.gate.max_hold == 0.05
    off = AgiProcess(Settings(agi=AgiSettings(port=0, callers_first_ms=0)), store)
    assert off.runner.gate is None


async def test_the_recordings_wait_until_no_caller_arrived_for_the_settle_time() -> None:
    """A burst's callers connect over a few milliseconds: the first one answered must not let
    the recordings in while the next are arriving."""
    gate = CallersFirst(max_hold=2.0, settle=0.05)
    with gate.answering():
        pass
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def next_caller() -> None:
        await asyncio.sleep(0.03)  # arrives within the settle time: the wait starts again
        with gate.answering():
            await asyncio.sleep(0.03)

    caller = asyncio.ensure_future(next_caller())
    await gate.wait_turn()
    waited = loop.time() - started
    await caller
    assert 0.03 + 0.03 + 0.04 <= waited < 1.5
    assert gate.stats.held == 1 and gate.stats.cut_short == 0
    started = loop.time()
    await asyncio.sleep(0.06)
    await gate.wait_turn()  # quiet for longer than the settle time: no wait
    assert loop.time() - started < 0.06 + 0.03
