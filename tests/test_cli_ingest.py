"""``callcenter ingest FILE...`` run as an auditor would, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ami.conftest import FIXTURES
from tests.test_cli_export import callcenter


def _counts(stdout: str) -> dict[str, int]:
    return {k: int(v) for k, v in (item.split("=") for item in stdout.split())}


async def test_ingest_twice_adds_nothing(database_url: str, tmp_path: Path) -> None:
    files = [str(FIXTURES / "ts-single-answered.ami"), str(FIXTURES / "abandoned.ami")]
    first = callcenter("ingest", *files, database_url=database_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    counts = _counts(first.stdout)
    # 7 + 5 steps, and the abandoned caller's call-back task (domain/callbacks.py)
    assert counts["steps_stored"] == 13 and counts["rejected"] == 0

    again = callcenter("ingest", *files, database_url=database_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _counts(again.stdout)["steps_stored"] == 0

    out = callcenter("export", "--format", "jsonl", database_url=database_url, cwd=tmp_path)
    calls = {c["id"]: c for c in map(json.loads, out.stdout.splitlines())}
    assert calls["1795319647.0"]["outcome"] == "answered"
    assert calls["1795319001.4"]["abandon_original_position"] == 1
    abandoned = [s["kind"] for s in calls["1795319001.4"]["timeline"]]
    assert len(abandoned) == 6 and abandoned.count("callback_task") == 1


def test_ingest_refuses_a_missing_file(tmp_path: Path) -> None:
    result = callcenter(
        "ingest", str(tmp_path / "nope.ami"), database_url="sqlite:///x.db", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "not a file" in result.stderr
