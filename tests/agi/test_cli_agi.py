"""``callcenter agi`` run as an administrator would: serves the recorded session, records it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from callcenter.sim.agi_peer import play
from tests.agi.conftest import ENV1, LINKEDID1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
async def test_callcenter_agi_serves_and_records(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CALLCENTER_AGI__PORT": str(port), "CALLCENTER_DATA_DIR": "data"}
    env.pop("CALLCENTER_DATABASE__URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "callcenter",
        "agi",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(60):
            line = await proc.stdout.readline()
        assert f"FastAGI on 127.0.0.1:{port}" in line.decode()
        result = await play(
            "127.0.0.1", port, ENV1, variables={"CHANNEL(linkedid)": LINKEDID1}, limit=10
        )
        assert result.variables["CALLCENTER_ROUTE"] == "queue"
    finally:
        # SIGTERM, not SIGINT: a background job runs with SIGINT ignored; and always reap.
        proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(30):
                _, stderr = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
    assert proc.returncode == 0, stderr.decode()[-2000:]

    exporter = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "callcenter",
        "export",
        "--format",
        "jsonl",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await exporter.communicate()
    assert exporter.returncode == 0, err.decode()
    (call,) = [json.loads(line) for line in out.decode().splitlines()]
    assert call["id"] == LINKEDID1
    assert call["timeline"][0]["kind"] == "entry_decision"
    assert call["timeline"][0]["payload"]["route"] == "queue"
