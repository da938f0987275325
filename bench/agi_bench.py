"""FastAGI call-entry benchmark: 60 concurrent Asterisk sessions against the qualify route.

Runs callcenter's FastAGI server on loopback with the real route (store lookups, room ledger,
recording through the processor) on a throwaway SQLite database (or --database URL). Another
process plays Asterisk: --concurrency workers, each running sessions back to back (so that many
sessions are always in flight), each session sending the environment bytes a real Asterisk 20
sent (tests/fixtures/fastagi-from-asterisk.raw) and answering the server's commands. Callers
"hang up" half a second after entering (their calls are marked line_ended), so the room never
stays full.

Latency is measured per session by the Asterisk side: from the end of the environment to the
server closing the socket (when the dialplan would continue). Prints a table and writes
bench/results/agi.json.

    .venv/bin/python bench/agi_bench.py [--requests 3000] [--concurrency 60] [--rate 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from sqlalchemy import update

from callcenter.agi.admission import RoomLedger
from callcenter.agi.lookups import CALLS, PriorCall, RoomSnapshot, StoreLookups
from callcenter.agi.qualify import QualifyConfig, QualifyRoute
from callcenter.agi.server import FastAgiServer
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.settings import normalise_database_url
from callcenter.sim.agi_peer import environment, play, split_sessions
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "tests/fixtures/fastagi-from-asterisk.raw"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def asterisk_side(
    port: int, workers: int, requests: int, rate: float | None
) -> tuple[list[float], float]:
    """Run in the other process: ``workers`` loops of sessions, back to back (closed loop), or
    with ``rate``, sessions starting every 1/rate s with at most ``workers`` in flight."""
    template = split_sessions(RAW.read_bytes())[0]
    latencies: list[float] = []
    counter = iter(range(requests))
    started = time.perf_counter()

    async def worker() -> None:
        for n in counter:
            if rate is not None:  # open loop: wait for this caller's arrival time
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            raw = environment(
                template,
                agi_uniqueid=f"1900000000.{2 * n + 1}",
                agi_callerid=f"06{n % 500:08d}",  # some callers call again
            )
            variables = {"CHANNEL(linkedid)": f"1900000000.{2 * n}"}
            result = await play("127.0.0.1", port, raw, variables=variables, limit=30)
            latencies.append(result.answer_seconds)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return latencies, time.perf_counter() - started


def asterisk_process(
    port: int,
    workers: int,
    requests: int,
    rate: float | None,
    out: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    try:
        out.put(asyncio.run(asterisk_side(port, workers, requests, rate)))
    except BaseException as exc:  # the parent must not wait for a result that never comes
        out.put(exc)
        raise


async def hang_up_callers(engine: object) -> None:
    """Callers hang up half a second after they entered (as the bridge would record it)."""
    while True:
        await asyncio.sleep(0.25)
        cutoff = datetime.now(UTC) - timedelta(seconds=0.5)
        async with engine.begin() as conn:  # type: ignore[attr-defined]
            await conn.execute(
                update(CALLS)
                .where(CALLS.c.rang_at < cutoff, CALLS.c.line_ended.is_(False))
                .values(line_ended=True)
            )


class NoStore:
    """--no-store: instant lookups and no recording, to see the protocol's own cost."""

    async def prior_calls(self, *args: object, **kwargs: object) -> dict[str, list[PriorCall]]:
        return {}

    async def room(self, pending: object) -> RoomSnapshot:
        return RoomSnapshot(frozenset(), frozenset())

    async def submit(self, event: object) -> None:
        return None


async def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(args.database or f"sqlite:///{tmp}/bench.db")
        engine = create_engine(url)
        await upgrade(engine)
        store = TimelineStore(engine)
        sink = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False)
        sink.start()
        lookups = NoStore() if args.no_store else StoreLookups(engine)
        recorder = NoStore() if args.no_store else sink
        route = QualifyRoute(lookups, RoomLedger(60), recorder, QualifyConfig())
        server = FastAgiServer({"qualify": route}, port=0, budget=args.budget_ms / 1000)
        await server.start()
        hangups = asyncio.create_task(hang_up_callers(engine))
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        child = ctx.Process(
            target=asterisk_process,
            args=(server.port, args.concurrency, args.requests, args.rate, out),
        )
        child.start()
        cpu = time.process_time()
        try:
            outcome = await asyncio.to_thread(out.get, True, 600)
            if isinstance(outcome, BaseException):
                raise RuntimeError("the Asterisk side failed") from outcome
            latencies, busy = outcome
            cpu = time.process_time() - cpu
        finally:
            await asyncio.to_thread(child.join, 30)
            hangups.cancel()
            await asyncio.gather(hangups, return_exceptions=True)
            await server.close()
            await sink.close()
            await engine.dispose()
    stats = route.stats
    return {
        "benchmark": "agi_qualify",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "versions": {
            name: metadata.version(name)
            for name in ("callcenter", "sqlalchemy", "aiosqlite", "asyncpg", "phonenumbers")
        },
        "database": "none (--no-store)" if args.no_store else url.split("://", 1)[0],
        "concurrency": args.concurrency,
        "arrivals": f"{args.rate}/s (open loop)" if args.rate else "back to back (closed loop)",
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / busy, 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies) * 1000, 2),
        },
        "server_cpu_ms_per_request": round(cpu / len(latencies) * 1000, 3),
        "budget_ms": args.budget_ms,
        "answered": server.stats.answered,
        "cut_at_budget": server.stats.overran,
        "degraded": stats.degraded,
        "queued": stats.queued,
        "overflowed": stats.overflowed,
        "recorded": stats.recorded,
        "sink_failures": sink.stats.failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--no-store", action="store_true", help="instant lookups, no recording")
    parser.add_argument(
        "--rate", type=float, help="open loop: callers per second (default: back to back)"
    )
    parser.add_argument("--concurrency", type=int, default=60)
    parser.add_argument("--budget-ms", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a throwaway SQLite file)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/agi.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # per-session warnings would cost time
    result = asyncio.run(run(args))
    lat = result["latency_ms"]
    assert isinstance(lat, dict)
    rows = [
        ("database", result["database"]),
        ("concurrent sessions (max)", result["concurrency"]),
        ("arrivals", result["arrivals"]),
        ("requests", result["requests"]),
        ("requests/s", result["requests_per_second"]),
        ("p50 answer latency (ms)", lat["p50"]),
        ("p99 answer latency (ms)", lat["p99"]),
        ("max answer latency (ms)", lat["max"]),
        ("server CPU per request (ms)", result["server_cpu_ms_per_request"]),
        ("cut at the budget", result["cut_at_budget"]),
        ("degraded (safe defaults)", result["degraded"]),
        ("queued / overflowed", f"{result['queued']} / {result['overflowed']}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
