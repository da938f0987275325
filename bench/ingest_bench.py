"""Ingest: the same AMI byte stream over TCP to a bare panoramisk Manager (the limit) and to the
full callcenter pipeline (translate, lifecycle, timeline committed, fan-out), in one run.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from panoramisk import Manager

from bench.ami_stream import StreamServer


async def bare_panoramisk(body: bytes, expected: int) -> dict[str, Any]:
    """Events/s of a panoramisk Manager whose only work is counting events."""
    server = StreamServer(body)
    port = await server.start()
    done = asyncio.get_running_loop().create_future()
    count = 0

    def on_event(_manager: Manager, message: Any) -> None:
        nonlocal count
        count += 1
        if message.get("UserEvent") == "BenchEnd" and not done.done():
            done.set_result(time.perf_counter())

    manager = Manager(
        host="127.0.0.1", port=port, username="bench", secret="bench", ping_delay=3600
    )
    manager.register_event("*", on_event)
    try:
        manager.connect()
        ended = await asyncio.wait_for(done, timeout=600)
        elapsed = ended - server.started_at
    finally:
        manager.close()
        await server.stop()
    received = count - 1  # the end marker is not part of the stream
    return {
        "events": received,
        "expected": expected,
        "seconds": elapsed,
        "events_per_s": received / elapsed,
    }


async def full_pipeline(body: bytes, expected: int, database_url: str) -> dict[str, Any]:
    """Events/s through callcenter: AMI client, translate, lifecycle, timeline committed."""
    from callcenter.ami.bridge import Bridge
    from callcenter.ami.client import AmiClient
    from callcenter.ami.seat_board import LiveSeatBoard
    from callcenter.pipeline.ports import NullNotifier
    from callcenter.pipeline.processor import CallProcessor
    from callcenter.pipeline.runner import OrderedRunner
    from callcenter.settings import AmiSettings
    from callcenter.storage.database import create_engine, upgrade
    from callcenter.storage.store import TimelineStore

    server = StreamServer(body)
    port = await server.start()
    engine = create_engine(database_url)
    await upgrade(engine)
    store = TimelineStore(engine)
    processor = CallProcessor(store, NullNotifier())
    runner = OrderedRunner(processor)
    bridge = Bridge(runner.put_nowait, LiveSeatBoard())
    client = AmiClient(AmiSettings(host="127.0.0.1", port=port, ping_interval=3600), bridge)
    all_read = asyncio.Event()
    on_frame = bridge.on_frame

    def counting(frame: Any, received_at: Any) -> None:
        on_frame(frame, received_at)
        if bridge.stats.frames > expected:  # the stream plus its end marker
            all_read.set()

    bridge.on_frame = counting  # type: ignore[method-assign]
    runner.start()
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(all_read.wait(), timeout=900)
        received = time.perf_counter()
        await runner.drain()
        committed = time.perf_counter()
    finally:
        await client.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runner.close()
        await server.stop()
        await engine.dispose()
    elapsed = committed - server.started_at
    return {
        "events": expected,
        "seconds": elapsed,
        "events_per_s": expected / elapsed,
        "read_seconds": received - server.started_at,
        "domain_events": processor.stats.handled,
        "steps_stored": processor.stats.steps_stored,
        "failed": runner.stats.failed,
    }
