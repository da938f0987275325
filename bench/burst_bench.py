"""The mass-casualty burst as a real PBX sends it: PBX event -> 30 websockets, and FastAGI answers.

Three processes on loopback: the PBX (``bench.burst_pbx``: N calls of a real Asterisk 20
recording within W seconds, every dialplan frame included, a FastAGI session per call at the
moment its dialplan ran ``AGI()``), the room (``bench.room_proc``: bridge, pipeline, dispatch,
FastAGI and API on a fresh PostgreSQL database, the live log and the dispatch stream on Redis)
and this one, which holds 30 supervisor websockets on ``/live/supervisor``. Every call message
a client receives is matched to the timeline step it announces, whose ``at`` is the AMI
``Timestamp:`` (``bench.live_bench.match``); latency = client's clock at receipt - that time.

    .venv/bin/python -m bench.burst_bench               # 60 calls within 2 s, then 600 (10x)
    .venv/bin/python -m bench.burst_bench 60            # one size; --window S, --profile FILE

Writes ``bench/results/burst-<calls>.json``. The room's RSS is sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import latency_summary, percentile, write_results
from bench.live_bench import (
    ROOT,
    _client,
    _cpu_seconds,
    _token,
    free_port,
    match,
    memory_kb,
    settled,
    steps_of,
)

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


async def _database(admin_url: str, synchronous_commit: bool = True) -> tuple[str, str]:
    name = f"cc_bench_burst_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        if not synchronous_commit:  # an experiment: what waiting for the WAL flush costs
            await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await admin.close()
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def _drop(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _rows(url: str) -> tuple[list[Any], list[Any]]:
    conn = await asyncpg.connect(url)
    try:
        timeline = await conn.fetch(
            "SELECT call_id, kind, at, clock, received_at FROM timeline ORDER BY call_id, seq"
        )
        calls = await conn.fetch("SELECT rang_at, ended_at FROM calls")
    finally:
        await conn.close()
    return [tuple(r) for r in timeline], [tuple(r) for r in calls]


async def _clear_redis(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def _spawn(args: list[str], log: Path, *, stdin: bool = False) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdin=subprocess.PIPE if stdin else None,
            stdout=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stderr=err,
        )


async def run(
    calls: int,
    window: float = 2.0,
    *,
    clients: int = 30,
    admin_url: str = ADMIN_URL,
    redis_url: str = REDIS_URL,
    profile: Path | None = None,
    synchronous_commit: bool = True,
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-burst-"))
    ami_port, api_port, agi_port = free_port(), free_port(), free_port()
    db_name, db_url = await _database(admin_url, synchronous_commit)
    pbx = _spawn(
        [
            *("-m", "bench.burst_pbx", "--ami-port", str(ami_port), "--agi-port", str(agi_port)),
            *("--calls", str(calls), "--window", str(window)),
        ],
        tmp / "pbx.log",
        stdin=True,
    )
    room = _spawn(
        [
            *("-m", "bench.room_proc", "--ami-port", str(ami_port), "--api-port", str(api_port)),
            *("--agi-port", str(agi_port), "--data-dir", str(tmp)),
            *("--database-url", db_url, "--redis-url", redis_url),
            *(("--profile", str(profile)) if profile is not None else ()),
        ],
        tmp / "room.log",
    )
    assert pbx.stdin is not None and pbx.stdout is not None
    received: list[tuple[float, str, str, str]] = []
    closes: list[str] = []
    tasks: list[asyncio.Task[None]] = []
    rss_max = 0
    report: dict[str, Any] = {}
    try:
        token = await _token(f"http://127.0.0.1:{api_port}", time.monotonic() + 90)
        line = await asyncio.wait_for(asyncio.to_thread(pbx.stdout.readline), 60)
        if line.strip() != b"ready":
            raise RuntimeError(f"the PBX did not start: {(tmp / 'pbx.log').read_text()}")
        url = f"ws://127.0.0.1:{api_port}/live/supervisor?token={token}"
        readies = [asyncio.Event() for _ in range(clients)]
        tasks = [asyncio.create_task(_client(url, r, received, closes)) for r in readies]
        async with asyncio.timeout(30):
            for r in readies:
                await r.wait()
        await asyncio.sleep(1.0)  # the room's start-up (resync, first stats) is over
        cpu_room = _cpu_seconds(room.pid)
        started = time.time()
        pbx.stdin.write(b"go\n")
        pbx.stdin.flush()
        done = asyncio.ensure_future(asyncio.to_thread(pbx.stdout.readline))
        while not done.done():
            rss_max = max(rss_max, memory_kb(room.pid).get("VmRSS", 0))
            await asyncio.sleep(0.2)
        report = json.loads(done.result())
        await settled(received)  # the room finishes what it received, however late
        rss_max = max(rss_max, memory_kb(room.pid).get("VmRSS", 0))
        wall = time.time() - started
        cpu_room = _cpu_seconds(room.pid) - cpu_room
        room.send_signal(signal.SIGTERM)
        await asyncio.to_thread(room.wait, 60)
        pbx.stdin.write(b"stop\n")
        pbx.stdin.flush()
        await asyncio.to_thread(pbx.wait, 30)
        timeline, call_rows = await _rows(db_url)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in (pbx, room):
            if p.poll() is None:
                p.kill()
                p.wait()
        await _drop(admin_url, db_name)
        await _clear_redis(redis_url, f"bench:{api_port}")
    steps, peak_calls, count = steps_of(timeline, call_rows)
    counted = {c for (c, k), s in steps.items() if k == "entered"}
    matched = match(received, steps, counted, clients)
    shutil.rmtree(tmp, ignore_errors=True)
    answers = report["agi_answer_s"]
    return {
        "calls_burst": calls,
        "window_s": window,
        "clients": clients,
        "database": "postgresql" + ("" if synchronous_commit else " (synchronous_commit off)"),
        "live_log": "redis",
        "frames_sent": report["frames"],
        "noise_share": round(report["noise_frames"] / max(1, report["frames"]), 3),
        "pbx_schedule_lag_p99_ms": round(report["schedule_lag_s"] * 1000, 1),
        "pbx_schedule_lag_max_ms": round(report["schedule_lag_max_s"] * 1000, 1),
        "calls_in_db": count,
        "peak_concurrent_calls": peak_calls,
        "calls_counted": len(counted),
        **matched,
        "client_disconnects": closes[:5],
        "agi_sessions": len(answers),
        "agi_failures": report["agi_failures"],
        "agi_answer": latency_summary(answers),
        "agi_answer_p90_ms": percentile(answers, 90) * 1000 if answers else float("nan"),
        "room_cpu_share": round(cpu_room / wall, 2),
        # the room's CPU seconds for the same burst (same frames, same FastAGI sessions): the
        # work done, far steadier than latency on a shared machine
        "room_cpu_s": round(cpu_room, 2),
        "room_rss_max_mb": round(rss_max / 1024, 1),
    }


def summary(r: dict[str, Any]) -> str:
    lat, agi = r["latency"], r["agi_answer"]
    return (
        f"burst {r['calls_burst']} calls in {r['window_s']:g} s ({r['frames_sent']} frames, "
        f"{r['noise_share']:.0%} noise): PBX -> websocket p50 {lat['p50_ms']:.1f} / p99 "
        f"{lat['p99_ms']:.1f} / max {lat['max_ms']:.1f} ms (bridge -> feed p99 "
        f"{r['received_to_publish']['p99_ms']:.1f}); FastAGI {r['agi_sessions']} answers p50 "
        f"{agi['p50_ms']:.1f} / p99 {agi['p99_ms']:.1f} / max {agi['max_ms']:.1f} ms; "
        f"room RSS {r['room_rss_max_mb']:.0f} MB, CPU {r['room_cpu_s']:.1f} s; "
        f"{r['messages_matched']} messages matched, {len(r['client_disconnects'])} clients closed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", type=int, nargs="*", default=[60, 600])
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--postgres", default=ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--redis", default=REDIS_URL)
    parser.add_argument("--profile", type=Path, help="the room's pyinstrument report (one size)")
    parser.add_argument(
        "--no-sync-commit",
        action="store_true",
        help="experiment: the database with synchronous_commit = off (commits do not wait "
        "for the WAL flush; not how callcenter should run)",
    )
    args = parser.parse_args()
    for calls in args.calls:
        result = asyncio.run(
            run(
                calls,
                args.window,
                admin_url=args.postgres,
                redis_url=args.redis,
                profile=args.profile.resolve() if args.profile else None,
                synchronous_commit=not args.no_sync_commit,
            )
        )
        suffix = "-no-sync-commit" if args.no_sync_commit else ""
        path = write_results(f"burst-{calls}{suffix}", result)
        print(summary(result), "->", path, flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
