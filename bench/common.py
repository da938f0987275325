"""What every benchmark shares: percentiles, the machine's description, the results file."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")
PACKAGES = ("panoramisk", "sqlalchemy", "aiosqlite", "asyncpg", "redis", "fastapi", "uvicorn")


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; samples need not be sorted."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    # nearest rank: the ceil(q% x n)-th value (round() would round halves to even)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered) / 100 - 1e-9) - 1))
    return ordered[rank]


def latency_summary(samples_s: list[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    return {
        "count": len(samples_s),
        "p50_ms": percentile(samples_s, 50) * 1000,
        "p99_ms": percentile(samples_s, 99) * 1000,
        "max_ms": max(samples_s) * 1000 if samples_s else float("nan"),
    }


def machine() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # The machine is shared (the test suite may run beside the benchmarks): how busy it
        # was when the results were written says how far to trust the tails.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "packages": versions,
    }


def write_results(name: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **results}, indent=2) + "\n")
    return path


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def pg_database(
    admin_url: str, prefix: str = "cc_bench"
) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A throwaway PostgreSQL database (SQLAlchemy asyncpg URL) and what drops it."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}?ssl=disable", drop
