"""``callcenter serve`` as a user runs it: against an AMI, stopped by SIGTERM, nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from callcenter.storage.database import create_engine
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import FIXTURES
from tests.ami.replay_server import ReplayAmiServer, Session
from tests.databases import sqlite_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
async def test_serve_follows_a_call_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    # As a real Asterisk would, answer the login snapshot before the calls of the recording.
    first = Session(FIXTURES / "ts-single-answered.ami", drop=False, hold_until="CoreShowChannels")
    server = ReplayAmiServer([first])
    port = await server.start()
    env = {
        **os.environ,
        "CALLCENTER_DATABASE__URL": sqlite_url(tmp_path),
        "CALLCENTER_AMI__PORT": str(port),
        "CALLCENTER_AMI__USERNAME": "bridge",
        "CALLCENTER_AMI__SECRET": "bridge-secret",
        "CALLCENTER_API__PORT": str(free_port()),
        "CALLCENTER_AGI__PORT": str(free_port()),
        "CALLCENTER_API__JWT_SECRET": "a-test-secret-that-is-long-enough-0123456789",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callcenter", "serve", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            await server.ended.wait()  # every recorded frame went out
        await asyncio.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await server.close()
    log = err.decode()
    assert proc.returncode == 0, log
    assert "callcenter serve: stopped" in log

    engine = create_engine(sqlite_url(tmp_path))
    try:
        store = TimelineStore(engine)
        row = await store.get_call("1795319647.0")
        assert row is not None, log
        assert (row["state"], row["seat"], row["hold_seconds"], row["talk_seconds"]) == (
            "answered",
            "Seat 01",
            1,
            4,
        )
        assert row["line_ended"]
        kinds = [s["kind"] for s in await store.timeline("1795319647.0")]
        assert kinds == [
            "entered",
            "queued",
            "offered",
            "left_queue",
            "answered",
            "conversation_ended",
            "line_ended",
        ]
    finally:
        await engine.dispose()
