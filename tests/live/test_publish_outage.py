"""A live-log outage (Redis down) while the pipeline runs.

The steps are stored: they are not failures, and the runner must not count or log them as
such. Their live updates wait in order and go out when the log is back, so a client that
resumes from its last sequence gets every one of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.domain.events import CallEntered, CallerQueued, SeatOffered
from callcenter.live.hub import LiveHub
from callcenter.live.memory import MemoryLog
from callcenter.live.messages import LiveMessage
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import ev
from tests.databases import sqlite_url


class FlakyLog(MemoryLog):
    """A memory log whose writes fail while ``down`` (as the Redis log does in an outage)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def append(self, body: dict[str, Any]) -> int:
        if self.down:
            raise ConnectionError("Redis is down")
        return await super().append(body)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TimelineStore]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    yield TimelineStore(engine)
    await engine.dispose()


def call_events(call_id: str) -> list[Any]:
    return [
        ev(CallEntered, call_id, caller_raw="0612345678"),
        ev(CallerQueued, call_id, queue="line19", position=1, count=1, channel=f"PJSIP/{call_id}"),
        ev(SeatOffered, call_id, queue="line19", seat="Seat 03"),
    ]


async def collect(hub: LiveHub, after: int, count: int) -> list[LiveMessage]:
    got: list[LiveMessage] = []
    async with asyncio.timeout(10):
        async for item in hub.stream(after, lambda m: True):
            assert isinstance(item, LiveMessage)
            got.append(item)
            if len(got) == count:
                return got
    return got


async def test_stored_steps_are_not_failures_and_clients_catch_up(
    store: TimelineStore, caplog: pytest.LogCaptureFixture
) -> None:
    feed_log = FlakyLog()
    hub = LiveHub(feed_log)
    hub.retry_seconds = 0.05
    await hub.start()
    processor = CallProcessor(store, hub)
    runner = OrderedRunner(processor, measure_lag=False)
    runner.start()
    try:
        for event in call_events("c0"):
            runner.put_nowait(event)
        await runner.drain()
        before = await feed_log.last_seq()
        assert before > 0

        feed_log.down = True
        for call_id in ("c1", "c2"):
            for event in call_events(call_id):
                runner.put_nowait(event)
        await runner.drain()
        assert runner.stats.failed == 0
        assert "could not process" not in caplog.text
        pipeline_warnings = [
            r.getMessage()
            for r in caplog.records
            if r.name.startswith("callcenter.pipeline") and r.levelno >= logging.WARNING
        ]
        assert pipeline_warnings == []
        assert [s["kind"] for s in await store.timeline("c2")] == ["entered", "queued", "offered"]
        assert hub.stats.publish_failures >= 1
        assert hub.stats.pending > 0
        assert await feed_log.last_seq() == before

        waiting = hub.stats.pending
        feed_log.down = False
        missed = await collect(hub, before, waiting)
        assert len(missed) == waiting
        assert [(m.call_id, m.seq) for m in missed] == sorted(
            ((m.call_id, m.seq) for m in missed), key=lambda cs: cs[1]
        )
        assert [m.call_id for m in missed] == sorted(m.call_id for m in missed)  # c1 then c2
        assert {m.call_id for m in missed} == {"c1", "c2"}
        assert hub.stats.pending == 0 and hub.stats.dropped == 0
    finally:
        await runner.close()
        await hub.stop()
