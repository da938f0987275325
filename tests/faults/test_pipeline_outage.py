"""The database goes away while the pipeline runs, then comes back: nothing is lost.

AMI has no replay, so an event the runner gives up on is a step lost for good. Here a real
PostgreSQL of the test's own is stopped in the middle of a stream of calls and started again;
every step must then be on its call's timeline exactly once, in the order the events came,
just as a run on a database that never went away writes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.ami.bridge import Bridge
from callcenter.ami.metrics import bridge_metrics
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerAbandoned,
    CallerQueued,
    CallEvent,
    ConversationEnded,
    SeatOffered,
)
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import ev
from tests.databases import sqlite_url
from tests.faults.servers import OwnPostgres

CALLS = 12


def call_events(n: int) -> list[CallEvent]:
    call_id = f"1796155260.{n}"
    queue = "line19"
    seat = f"Seat {n % 20 + 1:02d}"
    events: list[CallEvent] = [
        ev(CallEntered, call_id, caller_raw=f"06{n:08d}"),
        ev(CallerQueued, call_id, queue=queue, position=1, count=1, channel=f"Local/{n};2"),
        ev(SeatOffered, call_id, queue=queue, seat=seat),
    ]
    if n % 4 == 3:
        events.append(
            ev(
                CallerAbandoned,
                call_id,
                queue=queue,
                position=1,
                original_position=1,
                hold_seconds=4,
            )
        )
    else:
        events += [
            ev(CallAnswered, call_id, queue=queue, seat=seat, hold_seconds=2, ring_seconds=1),
            ev(
                ConversationEnded,
                call_id,
                queue=queue,
                seat=seat,
                hold_seconds=2,
                talk_seconds=30,
                reason="agent",
            ),
        ]
    return events


def interleaved() -> list[CallEvent]:
    """Every call's events in order, the calls overlapping as in a burst."""
    per_call = [call_events(n) for n in range(CALLS)]
    stream: list[CallEvent] = []
    for step in range(max(len(e) for e in per_call) + CALLS):
        for n, events in enumerate(per_call):
            if 0 <= step - n // 2 < len(events):
                stream.append(events[step - n // 2])
    base = datetime.now(UTC)
    return [
        type(e)(**{**e.__dict__, "at": base + timedelta(milliseconds=i)})
        for i, e in enumerate(stream)
    ]


async def timelines(store: TimelineStore) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for n in range(CALLS):
        call_id = f"1796155260.{n}"
        rows = await store.timeline(call_id)
        out[call_id] = [(r["seq"], r["kind"], r["source_id"]) for r in rows]
    return out


async def reference(events: list[CallEvent], tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The timelines a database that never went away gets."""
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    runner = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False)
    runner.start()
    for event in events:
        runner.put_nowait(event)
    await runner.close()
    try:
        return await timelines(store)
    finally:
        await engine.dispose()


@pytest.fixture
async def pg_store(own_postgres: OwnPostgres) -> AsyncIterator[TimelineStore]:
    engine = create_engine(own_postgres.url)
    await upgrade(engine)
    yield TimelineStore(engine)
    await engine.dispose()


async def test_no_step_is_lost_when_postgres_restarts_mid_stream(
    own_postgres: OwnPostgres, pg_store: TimelineStore, tmp_path: Path
) -> None:
    events = interleaved()
    expected = await reference(events, tmp_path)
    assert all(expected.values())

    runner = OrderedRunner(CallProcessor(pg_store, NullNotifier()), measure_lag=False)
    runner.retry_initial, runner.retry_max = 0.05, 0.2
    runner.start()
    first, second, third = events[:20], events[20:45], events[45:]
    try:
        for event in first:
            runner.put_nowait(event)
        await runner.drain()

        await asyncio.to_thread(own_postgres.stop)
        for event in second:
            runner.put_nowait(event)
        await asyncio.sleep(1.0)  # the outage: the runner keeps trying meanwhile
        for event in third:
            runner.put_nowait(event)
        # what /metrics shows meanwhile (the bridge's counters carry the runner's)
        during = bridge_metrics(Bridge(runner.put_nowait, LiveSeatBoard()), runner)
        assert during["backlog"] == len(second) + len(third)
        assert during["backlog_oldest_seconds"] >= 1.0
        assert during["store_down"] == 1
        assert during["retries"] >= 1 and during["outages"] == 1
        assert during["dropped"] == 0 and during["failed"] == 0
        await asyncio.to_thread(own_postgres.start)

        async with asyncio.timeout(60):
            await runner.drain()
    finally:
        async with asyncio.timeout(60):  # the database is up again here, or the test failed
            await asyncio.to_thread(own_postgres.start)
            await runner.close()

    got = await timelines(pg_store)
    for call_id, steps in expected.items():
        assert [s[1:] for s in got[call_id]] == [s[1:] for s in steps], call_id
        assert [s[0] for s in got[call_id]] == list(range(1, len(steps) + 1)), call_id
    after = runner.metrics()
    assert (after["failed"], after["dropped"], after["backlog"]) == (0, 0, 0)
    assert after["store_down"] == 0 and after["backlog_oldest_seconds"] == 0
    assert after["processed"] == len(events)


async def test_past_the_bound_events_are_dropped_loudly_the_rest_written_once(
    own_postgres: OwnPostgres,
    pg_store: TimelineStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = interleaved()
    runner = OrderedRunner(
        CallProcessor(pg_store, NullNotifier()), measure_lag=False, max_backlog=15
    )
    runner.retry_initial, runner.retry_max = 0.05, 0.2
    runner.start()
    first, rest = events[:10], events[10:]
    try:
        for event in first:
            runner.put_nowait(event)
        await runner.drain()
        await asyncio.to_thread(own_postgres.stop)
        for event in rest:
            runner.put_nowait(event)
        held, dropped = runner.backlog(), runner.stats.dropped
        await asyncio.to_thread(own_postgres.start)
        async with asyncio.timeout(60):
            await runner.drain()
    finally:
        async with asyncio.timeout(60):  # the database is up again here, or the test failed
            await asyncio.to_thread(own_postgres.start)
            await runner.close()

    assert (held, dropped) == (15, len(rest) - 15)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "dropped" in errors[0].getMessage()
    # what was kept is written exactly once and in order: the same steps as a run that got
    # only those events
    kept = first + rest[:15]
    expected = await reference(kept, tmp_path)
    got = await timelines(pg_store)
    assert got == expected
    assert runner.stats.failed == 0
