"""Two API processes sharing the real Redis and one database: a client on B sees what A did,
with the same sequence numbers as a client on A."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from callcenter.auth.roles import Role
from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.live_client import feed
from tests.api.logs import REDIS_URL
from tests.api.room import build_room, client
from tests.databases import sqlite_url

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def api_process(db_url: str, stream: str) -> AsyncIterator[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.api.process_entry",
        db_url,
        stream,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if proc.returncode is None:
            proc.terminate()
        async with asyncio.timeout(15):
            await proc.wait()


@pytest.mark.redis
@pytest.mark.slow
async def test_client_on_b_sees_updates_caused_on_a(tmp_path: Path) -> None:
    db_url = sqlite_url(tmp_path)
    engine = create_engine(db_url)
    await upgrade(engine)
    # Users and tokens, prepared once for both processes (same secret, same database).
    room = await build_room(TimelineStore(engine), MemoryLog())
    await engine.dispose()
    stream = f"test:live:{uuid.uuid4().hex}"
    sup = room.token("sup", Role.SUPERVISOR)
    op3 = room.token("op3", Role.OPERATOR, "Seat 03")
    try:
        async with (
            api_process(db_url, stream) as a,
            api_process(db_url, stream) as b,
            feed(b, "supervisor", sup) as (on_b, _),
            feed(a, "supervisor", sup) as (on_a, _),
            feed(b, "operator", op3) as (op_on_b, _),
            client(a) as http_a,
        ):
            assert a != b
            for reason in ("break", "training"):
                r = await http_a.post(
                    "/seats/me/pause",
                    headers={"Authorization": f"Bearer {op3}"},
                    json={"reason": reason},
                )
                assert r.status_code == 200, r.text
            seen_b = [await on_b.event() for _ in range(2)]
            seen_a = [await on_a.event() for _ in range(2)]
            seen_op = [await op_on_b.event() for _ in range(2)]
            assert seen_b == seen_a == seen_op
            assert [m["payload"]["reason"] for m in seen_b] == ["break", "training"]
            assert seen_b[1]["seq"] > seen_b[0]["seq"]
        # A client reconnecting to B from the first sequence gets the second from the stream.
        async with (
            api_process(db_url, stream) as b2,
            feed(b2, "supervisor", sup, after=seen_b[0]["seq"]) as (again, _),
        ):
            assert await again.event() == seen_b[1]
    finally:
        redis = Redis.from_url(REDIS_URL)
        await redis.delete(stream, f"{stream}:seq")
        await redis.aclose()
