"""``callcenter dispatch-console``, run as a radio operator would, embedded and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import inspect, text

from callcenter.dispatch.desk import AckRecorder
from callcenter.messaging.stream import DispatchStream
from callcenter.storage.database import create_engine, upgrade
from tests.databases import sqlite_url
from tests.dispatch.conftest import FIELDS, make_room


def console(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", "dispatch-console", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("mode", ["embedded", pytest.param("redis", marks=pytest.mark.redis)])
async def test_list_then_acknowledge(
    mode: str, tmp_path: Path, redis: Redis, stream_name: str
) -> None:
    url = sqlite_url(tmp_path)
    env = {"CALLCENTER_DATABASE__URL": url}
    engine = create_engine(url)
    try:
        await upgrade(engine)
        room = await make_room(engine)
        call_id = await room.answered_call()
        handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
        if mode == "redis":
            env |= {
                "CALLCENTER_REDIS__URL": "redis://127.0.0.1:6379/0",
                "CALLCENTER_REDIS__DISPATCH_STREAM": stream_name,
            }
            await room.relay(DispatchStream(redis, stream_name)).drain()
    finally:
        await engine.dispose()
    ticket = handoff.ticket_id or ""

    listed = console("--console", "radio-1", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"1 pending dispatch tickets ({mode} mode")
    assert ticket in lines[1] and "P2" in lines[1] and "road_accident" in lines[1]
    units = [line.split()[1] for line in lines if line.strip().startswith("unit ")]
    assert units[0] == "CAR-02"  # Maarif is the nearest to the incident on Bd Anfa

    refused = console(
        "--ack", "T-nope", "--unit", "CAR-02", "--by", "radio1", env=env, cwd=tmp_path
    )
    assert refused.returncode == 1 and "no dispatch ticket T-nope" in refused.stdout

    acked = console(
        "--console",
        "radio-1",
        "--ack",
        ticket,
        "--unit",
        "CAR-02",
        "--by",
        "radio1",
        env=env,
        cwd=tmp_path,
    )
    assert acked.returncode == 0, acked.stderr
    assert f"acknowledged {ticket} call {call_id}: CAR-02 by radio1" in acked.stdout

    after = console("--console", "radio-1", env=env, cwd=tmp_path)
    assert after.stdout.startswith("0 pending dispatch tickets")
    if mode == "redis":
        assert (await redis.xpending(stream_name, "consoles"))["pending"] == 0

    engine = create_engine(url)
    try:
        room = await make_room(engine)
        # The console is not the room: it wrote the ticket, never the call (one writer per
        # call). The room's recorder puts the acknowledgement on the timeline.
        assert "handed_off" not in await room.kinds(call_id)
        recorder = AckRecorder(room.tickets, room.sink)
        assert await recorder.record_pending() == 1
        assert await recorder.record_pending() == 0
        kinds = await room.kinds(call_id)
        assert kinds[-2:] == ["dispatch_sent", "handed_off"]
        call = await room.store.get_call(call_id)
        assert call is not None and call["dispatch_unit"] == "CAR-02"
    finally:
        await engine.dispose()


@pytest.mark.parametrize("at", [None, "0004"])
async def test_the_console_never_migrates(at: str | None, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    engine = create_engine(url)
    try:
        if at is not None:
            await upgrade(engine, at)
        result = console(env={"CALLCENTER_DATABASE__URL": url}, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "callcenter db upgrade" in result.stdout
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            version = (
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
                if "alembic_version" in tables
                else None
            )
        assert version == at
        if at is None:
            assert tables == set()
    finally:
        await engine.dispose()
