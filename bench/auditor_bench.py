"""Auditor: timeline fetch latency with N calls (and their timelines) in PostgreSQL.

The data set lives in its own database (``cc_bench_auditor_<N>``) and is generated once, with a
progress bar, by COPY: 8 steps per call, the shape the pipeline writes. Later runs reuse it.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from rich.progress import Progress

from bench.common import latency_summary
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore

CALL_COLUMNS = [
    "id",
    "state",
    "outcome",
    "caller_raw",
    "caller_e164",
    "queue",
    "seat",
    "line_ended",
    "rang_at",
    "queued_at",
    "offered_at",
    "answered_at",
    "ended_at",
    "hold_seconds",
    "talk_seconds",
]
STEP_COLUMNS = [
    "call_id",
    "seq",
    "kind",
    "source_id",
    "clock",
    "inferred",
    "at",
    "pbx_at",
    "received_at",
    "payload",
]
KINDS = ("entered", "queued", "offered", "left_queue", "answered", "conversation_ended")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _ensure_database(admin_url: str, name: str) -> str:
    admin = await asyncpg.connect(admin_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _call_rows(i: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    call_id = f"{1795000000 + i // 1000}.{i}"
    rang = T0 + timedelta(seconds=i * 3)
    hold, talk = i % 40, 30 + i % 200
    call = (
        call_id,
        "closed",
        "answered",
        f"06{i:08d}",
        f"+2126{i:08d}",
        "line19",
        f"Seat {i % 20 + 1:02d}",
        True,
        rang,
        rang + timedelta(seconds=1),
        rang + timedelta(seconds=hold),
        rang + timedelta(seconds=hold + 1),
        rang + timedelta(seconds=hold + 1 + talk),
        hold,
        talk,
    )
    steps = []
    for seq, kind in enumerate((*KINDS, "line_ended", "closed"), start=1):
        at = rang + timedelta(seconds=seq)
        payload = json.dumps({"state": kind, "queue": "line19", "hold_seconds": hold})
        steps.append((call_id, seq, kind, f"{call_id}:{seq}", "pbx", False, at, at, at, payload))
    return call, steps


async def generate(url: str, calls: int, batch: int = 20_000) -> None:
    conn = await asyncpg.connect(url)
    try:
        have = await conn.fetchval("SELECT count(*) FROM calls")
        if have >= calls:
            return
        await conn.execute("TRUNCATE timeline, calls CASCADE")
        with Progress() as progress:
            task = progress.add_task(f"generating {calls:,} calls", total=calls)
            for start in range(0, calls, batch):
                rows = [_call_rows(i) for i in range(start, min(calls, start + batch))]
                await conn.copy_records_to_table(
                    "calls",
                    records=[r[0] for r in rows],
                    columns=CALL_COLUMNS,
                )
                await conn.copy_records_to_table(
                    "timeline",
                    records=[s for r in rows for s in r[1]],
                    columns=STEP_COLUMNS,
                )
                progress.update(task, advance=len(rows))
        await conn.execute("ANALYZE calls; ANALYZE timeline")
    finally:
        await conn.close()


async def run(admin_url: str, calls: int, fetches: int = 2000) -> dict[str, Any]:
    url = await _ensure_database(admin_url, f"cc_bench_auditor_{calls}")
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await generate(url, calls)
        generated_s = time.perf_counter() - started
        store = TimelineStore(engine)
        rng = random.Random(19)
        samples = []
        for _ in range(fetches):
            i = rng.randrange(calls)
            call_id = f"{1795000000 + i // 1000}.{i}"
            t = time.perf_counter()
            steps = await store.timeline(call_id)
            samples.append(time.perf_counter() - t)
            assert len(steps) == 8, (call_id, len(steps))
    finally:
        await engine.dispose()
    return {"calls": calls, "generate_s": generated_s, "fetch": latency_summary(samples)}
