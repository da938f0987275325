"""``callcenter db upgrade`` and ``callcenter export --format jsonl``, run as a user would."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.database import create_engine
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.storage.test_store import answered_call_events


def callcenter(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLCENTER_DATABASE__URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


async def test_export_empty_then_filled(database_url: str, tmp_path: Path) -> None:
    upgraded = callcenter("db", "upgrade", database_url=database_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr

    empty = callcenter("export", "--format", "jsonl", database_url=database_url, cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout == ""
    assert "exported 0 calls" in empty.stderr

    engine = create_engine(database_url)
    try:
        processor = CallProcessor(TimelineStore(engine), NullNotifier())
        for event in answered_call_events():
            await processor.handle(event)
    finally:
        await engine.dispose()

    filled = callcenter("export", "--format", "jsonl", database_url=database_url, cwd=tmp_path)
    assert filled.returncode == 0, filled.stderr
    lines = filled.stdout.splitlines()
    assert len(lines) == 1
    call = json.loads(lines[0])
    assert call["export_version"] == 1
    assert call["id"] == "1795319001.4" and call["outcome"] == "answered"
    assert [s["seq"] for s in call["timeline"]] == [1, 2, 3, 4, 5, 6]
    assert call["timeline"][0]["kind"] == "entered"

    later = callcenter(
        "export", "--since", "2030-01-01T00:00:00", database_url=database_url, cwd=tmp_path
    )
    assert later.returncode == 0 and later.stdout == ""

    # Every export is in the access log, under the operating-system user who ran it.
    engine = create_engine(database_url)
    try:
        log = await UserStore(engine).access_log()
    finally:
        await engine.dispose()
    assert [(e["username"], e["role"], e["action"]) for e in log] == [
        (f"cli:{getpass.getuser()}", "cli", "export")
    ] * 3
    assert "since=2030-01-01 00:00:00+00:00" in log[0]["detail"]  # newest first


def test_export_refuses_unknown_format(tmp_path: Path) -> None:
    result = callcenter(
        "export", "--format", "xml", database_url=f"sqlite:///{tmp_path}/x.db", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "jsonl" in result.stderr
