"""Hand-off latency: operator qualifies a call -> a dispatch console sees the ticket.

Runs the real path: HandoffService -> CallProcessor -> one transaction (ticket, outbox row, call,
timeline step: BEGIN, six statements, COMMIT) -> the store hands the ticket to the relay after
the commit -> Lua XADD on the Redis stream (the outbox table is not read back: the relay polls it
every second for what other processes or a crash left) -> a console's blocking XREADGROUP ->
ticket on its view. The relay then records ``dispatch_sent`` and marks the row sent. 1,000
hand-offs, one after another; prints p50/p99 and writes bench/results/handoff.json.

On PostgreSQL the hand-offs run in a fresh database created on the server of ``--database-url``
(dropped afterwards; the named database is not touched), and the same run first times a bare
``BEGIN; INSERT; COMMIT`` loop with asyncpg on that server (``bare_commit``): the floor one
durable commit on this disk sets, whatever callcenter does.

    .venv/bin/python bench/handoff_bench.py [--count 1000] [--redis-url URL] [--database-url URL]
        [--round-trips]
    e.g. --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import contextvars
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy.engine import make_url

from callcenter.dispatch.desk import AckRecorder, TicketAcknowledger
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain import events as ev
from callcenter.domain.dispatch import Ticket
from callcenter.messaging.connection import connect
from callcenter.messaging.consumer import StreamDispatchDesk
from callcenter.messaging.relay import OutboxRelay
from callcenter.messaging.stream import DispatchStream
from callcenter.pipeline.direct import ProcessorSink
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.outbox import Outbox
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore

RESULTS = Path(__file__).with_name("results") / "handoff.json"
FIELDS = {
    "incident_type": "assault",
    "priority": "P1",
    "address": "Bd Zerktouni, Casablanca",
    "latitude": 33.5883,
    "longitude": -7.6325,
    "callback_e164": "+212612345678",
}


async def answered(sink: ProcessorSink, call_id: str) -> None:
    t = datetime.now(UTC) - timedelta(seconds=30)
    c = {"call_id": call_id, "clock": ev.Clock.PBX}
    for event in [
        ev.CallEntered(**c, at=t, received_at=t, source_id=f"{call_id}:e"),
        ev.CallerQueued(
            **c,
            at=t,
            received_at=t,
            source_id=f"{call_id}:q",
            queue="line19",
            position=1,
            count=1,
        ),
        ev.CallAnswered(
            **c,
            at=t,
            received_at=t,
            source_id=f"{call_id}:a",
            queue="line19",
            seat="Seat 01",
            hold_seconds=2,
            ring_seconds=1,
        ),
    ]:
        await sink.submit(event)


def percentile(sorted_ms: list[float], p: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[index]


_IN_QUALIFY = contextvars.ContextVar("in_qualify", default=False)


@contextlib.contextmanager
def timed_commits(sink: list[float]) -> Iterator[None]:
    """Time the COMMIT round trip of each hand-off's own transaction (PostgreSQL: asyncpg's
    ``Transaction.commit`` wrapped for the run; the relay's and the console's are not counted)."""
    original = Transaction.commit

    async def commit(self: Transaction) -> None:
        if not _IN_QUALIFY.get():
            return await original(self)
        started = time.perf_counter()
        try:
            return await original(self)
        finally:
            sink.append((time.perf_counter() - started) * 1000)

    Transaction.commit = commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        Transaction.commit = original  # type: ignore[method-assign]


_ROLE = contextvars.ContextVar("role", default="setup")
_DEPTH = contextvars.ContextVar("depth", default=0)


@contextlib.contextmanager
def counted_round_trips(counts: collections.Counter[str]) -> Iterator[None]:
    """Count asyncpg's round trips (statements, BEGIN, COMMIT, ROLLBACK) by who made them:
    ``qualify``, ``relay`` or ``console`` (``--round-trips``; off by default, it costs a little)."""
    from asyncpg.connection import Connection
    from asyncpg.prepared_stmt import PreparedStatement

    wrapped = [
        (cls, name)
        for cls, names in (
            (Connection, ("execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare")),
            (PreparedStatement, ("fetch", "fetchrow", "fetchval", "executemany")),
            (Transaction, ("start", "commit", "rollback")),
        )
        for name in names
    ]
    originals = {(cls, name): getattr(cls, name) for cls, name in wrapped}

    def counting(original: Any) -> Any:
        async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _DEPTH.get():  # e.g. Transaction.start runs Connection.execute: one trip
                return await original(self, *args, **kwargs)
            token = _DEPTH.set(1)
            counts[_ROLE.get()] += 1
            try:
                return await original(self, *args, **kwargs)
            finally:
                _DEPTH.reset(token)

        return call

    for (cls, name), original in originals.items():
        setattr(cls, name, counting(original))
    try:
        yield
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def bare_commits(database_url: str, count: int) -> dict[str, float]:
    """``BEGIN; INSERT; COMMIT`` ``count`` times on one asyncpg connection (synchronous_commit
    as the server has it): the floor under any hand-off's transaction on this server."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        settings = {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("synchronous_commit", "wal_sync_method", "commit_delay", "fsync")
        }
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_commit (id bigserial PRIMARY KEY, body text)"
        )
        insert = await conn.prepare("INSERT INTO bench_bare_commit (body) VALUES ($1)")
        commits: list[float] = []
        for i in range(count):
            started = time.perf_counter()
            async with conn.transaction():
                await insert.fetch(f"row {i}")
            commits.append((time.perf_counter() - started) * 1000)
        await conn.execute("DROP TABLE bench_bare_commit")
    finally:
        await conn.close()
    ordered = sorted(commits)
    return {
        "p50_ms": round(percentile(ordered, 50), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
        **settings,
    }


async def fresh_postgres(server_url: str) -> tuple[str, Any]:
    """A throwaway database on ``server_url``'s server: its URL and what drops it."""
    name = f"cc_bench_handoff_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()

    async def drop() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(server_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    url = make_url(server_url).set(database=name)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False), drop


async def run(
    count: int, redis_url: str, database_url: str | None, *, round_trips: bool = False
) -> dict[str, Any]:
    tmp = tempfile.TemporaryDirectory()
    url = database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}"
    bare = await bare_commits(url, count) if url.startswith("postgresql") else None
    engine = create_engine(url)
    await upgrade(engine)
    store = TimelineStore(engine)
    waits: list[float] = []  # a qualification waiting for the pipeline (one event at a time)

    class TimedSink(ProcessorSink):
        async def submit(self, event: ev.CallEvent) -> None:
            if not isinstance(event, ev.CallQualified):
                return await super().submit(event)
            started = time.perf_counter()
            async with self._lock:
                waits.append((time.perf_counter() - started) * 1000)
                await self.processor.handle(event)

    sink = TimedSink(CallProcessor(store, NullNotifier()))
    tickets = TicketStore(engine)
    service = HandoffService(
        sink, PipelineCalls(sink.processor, store), tickets, Taxonomy.default()
    )
    stream = f"bench:dispatch:{uuid.uuid4().hex}"
    relay_redis = connect(redis_url, timeout=2.0)
    console_redis = connect(redis_url, timeout=2.0, block_seconds=1.0)
    seen: dict[str, float] = {}  # ticket -> when the console had it on view
    published: dict[str, float] = {}  # ticket -> when its XADD returned
    arrived = asyncio.Condition()

    class TimedStream(DispatchStream):
        async def publish(self, ticket: Ticket) -> str:
            entry = await super().publish(ticket)
            published.setdefault(ticket.id, time.perf_counter())
            async with arrived:
                arrived.notify_all()
            return entry

    relay = OutboxRelay(Outbox(engine), TimedStream(relay_redis, stream), sink)
    store.on_dispatch(relay.wake)
    desk = StreamDispatchDesk(
        console_redis,
        stream,
        group="consoles",
        consumer="bench",
        tickets=tickets,
        acknowledger=TicketAcknowledger(tickets, AckRecorder(tickets, sink)),
    )
    stop = asyncio.Event()

    async def console() -> None:
        _ROLE.set("console")
        while not stop.is_set():
            fresh = await desk.poll(block_ms=200)
            now = time.perf_counter()
            async with arrived:
                for t in fresh:
                    seen.setdefault(t.id, now)
                arrived.notify_all()

    load_before = os.getloadavg()
    calls = [f"bench-{i}" for i in range(count)]
    for call_id in calls:
        await answered(sink, call_id)

    async def relay_run() -> None:
        _ROLE.set("relay")
        await relay.run(stop, poll=1.0)

    trips: collections.Counter[str] = collections.Counter()
    counting = counted_round_trips(trips) if round_trips else contextlib.nullcontext()
    counting.__enter__()
    tasks = [asyncio.create_task(relay_run()), asyncio.create_task(console())]
    await desk.poll()  # the group exists before the first hand-off
    latencies: list[float] = []
    committed: list[float] = []  # qualify() alone: validation, checks, the one transaction
    to_stream: list[float] = []  # qualify returned (committed) -> the relay's XADD returned
    to_console: list[float] = []  # XADD returned -> the console has the ticket on view
    commits: list[float] = []  # the COMMIT round trip inside qualify (PostgreSQL)
    try:
        for i, call_id in enumerate(calls):
            started = time.perf_counter()
            token = _IN_QUALIFY.set(True)
            role = _ROLE.set("qualify")
            try:
                with timed_commits(commits):
                    handoff = await service.qualify(call_id, FIELDS, by="op01", request_id=f"b{i}")
            finally:
                _ROLE.reset(role)
                _IN_QUALIFY.reset(token)
            done = time.perf_counter()
            committed.append((done - started) * 1000)
            ticket = handoff.ticket_id or ""
            async with asyncio.timeout(5), arrived:
                # on view, and the relay back from its XADD (either may come first)
                await arrived.wait_for(lambda t=ticket: t in seen and t in published)  # type: ignore[misc]
            latencies.append((seen[ticket] - started) * 1000)
            to_stream.append((published[ticket] - done) * 1000)
            to_console.append((seen[ticket] - published[ticket]) * 1000)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        info = await relay_redis.info("server")
        keys = [k async for k in relay_redis.scan_iter(match=f"{stream}*")]
        if keys:
            await relay_redis.delete(*keys)
        await relay_redis.aclose()
        await console_redis.aclose()
        await engine.dispose()
        tmp.cleanup()
        counting.__exit__(None, None, None)

    ordered = sorted(latencies)
    return {
        "benchmark": "qualify -> visible to a dispatch console",
        "handoffs": count,
        "p50_ms": round(percentile(ordered, 50), 3),
        "p90_ms": round(percentile(ordered, 90), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "qualify_commit_p50_ms": round(statistics.median(committed), 3),
        # the split of the p99 path: qualify (one transaction) -> relay's XADD -> console
        "qualify_commit_p99_ms": round(percentile(sorted(committed), 99), 3),
        "commit_to_stream_p99_ms": round(percentile(sorted(to_stream), 99), 3),
        "stream_to_console_p99_ms": round(percentile(sorted(to_console), 99), 3),
        # of which waiting for the pipeline (busy with the relay's dispatch_sent of the last one)
        "qualify_pipeline_wait_p50_ms": round(statistics.median(waits), 3),
        "qualify_pipeline_wait_p99_ms": round(percentile(sorted(waits), 99), 3),
        # the COMMIT round trip alone (its WAL flush) inside those transactions (PostgreSQL)
        "qualify_commit_statement_p50_ms": round(statistics.median(commits), 3)
        if commits
        else None,
        "qualify_commit_statement_p99_ms": round(percentile(sorted(commits), 99), 3)
        if commits
        else None,
        "target_p99_ms": 20,
        # BEGIN; INSERT; COMMIT with asyncpg on the same server, just before (PostgreSQL only)
        "bare_commit": bare,
        # --round-trips: asyncpg round trips per hand-off, by who made them (PostgreSQL)
        "round_trips_per_handoff": {
            role: round(trips[role] / count, 2) for role in ("qualify", "relay", "console")
        }
        if round_trips
        else None,
        "database": url.split(":", 1)[0] if database_url else "sqlite (file, WAL)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            # The machine is shared: its load during the run says how far to trust the tail.
            "load_average_1_5_15_before": [round(x, 2) for x in load_before],
            "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {
            "python": platform.python_version(),
            "redis_server": info.get("redis_version"),
            "redis_py": version("redis"),
            "sqlalchemy": version("sqlalchemy"),
            "sqlite": sqlite3.sqlite_version,
            "aiosqlite": version("aiosqlite"),
        },
    }


async def main_run(
    count: int, redis_url: str, database_url: str | None, round_trips: bool
) -> dict[str, Any]:
    if database_url is None or not database_url.startswith("postgresql"):
        return await run(count, redis_url, database_url)
    url, drop = await fresh_postgres(database_url)
    try:
        return await run(count, redis_url, url, round_trips=round_trips)
    finally:
        await drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; PostgreSQL: a fresh database on its server",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--round-trips",
        action="store_true",
        help="PostgreSQL: count asyncpg round trips per hand-off (qualify, relay, console)",
    )
    args = parser.parse_args()
    result = asyncio.run(main_run(args.count, args.redis_url, args.database_url, args.round_trips))
    print(f"{'hand-offs':<12}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print(
        f"{result['handoffs']:<12}{result['p50_ms']:>10.2f}{result['p90_ms']:>10.2f}"
        f"{result['p99_ms']:>10.2f}{result['max_ms']:>10.2f}"
    )
    print(
        f"qualify (its transaction) p50 {result['qualify_commit_p50_ms']:.2f}, "
        f"p99 {result['qualify_commit_p99_ms']:.2f} ms; waiting for the pipeline p50 "
        f"{result['qualify_pipeline_wait_p50_ms']:.2f}, p99 "
        f"{result['qualify_pipeline_wait_p99_ms']:.2f} ms"
        + (
            f"; its COMMIT alone p50 {result['qualify_commit_statement_p50_ms']:.2f}, "
            f"p99 {result['qualify_commit_statement_p99_ms']:.2f} ms"
            if result["qualify_commit_statement_p50_ms"] is not None
            else ""
        )
        + "\n"
        f"p99 split: qualify (its transaction) {result['qualify_commit_p99_ms']:.2f}, "
        f"commit -> stream {result['commit_to_stream_p99_ms']:.2f}, "
        f"stream -> console {result['stream_to_console_p99_ms']:.2f} ms"
    )
    if result["bare_commit"] is not None:
        b = result["bare_commit"]
        print(
            f"bare asyncpg BEGIN; INSERT; COMMIT on the same server: p50 {b['p50_ms']:.2f}, "
            f"p99 {b['p99_ms']:.2f}, max {b['max_ms']:.2f} ms (synchronous_commit "
            f"{b['synchronous_commit']}, wal_sync_method {b['wal_sync_method']}, "
            f"commit_delay {b['commit_delay']})"
        )
    if result["round_trips_per_handoff"] is not None:
        trips = result["round_trips_per_handoff"]
        print(
            "round trips to PostgreSQL per hand-off: "
            + ", ".join(f"{role} {n:g}" for role, n in trips.items())
        )
    verdict = "met" if result["p99_ms"] <= result["target_p99_ms"] else "MISSED"
    print(f"target p99 <= {result['target_p99_ms']} ms: {verdict}  ({result['database']})")
    load = result["machine"]["load_average_1_5_15_after"]
    print(f"machine: {result['machine']['cpus']} cpus, load average {load[0]} (1 min)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
