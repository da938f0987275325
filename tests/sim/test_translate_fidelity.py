"""The bridge's replay test, run on the simulator's output for the recorded scenarios.

The simulator replays a transcript's own client bytes; what it sent goes through the same
parser -> translate -> bridge -> lifecycle -> store path as the real recording. Both must give
the same calls: the same timeline steps in the same order, the same outcome, seat, hold and
talk seconds and abandon figures, each equal to what the AMI stream itself reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callcenter.ami.ingest import ingest_files
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import FIXTURES, make_room
from tests.ami.transcript import expected_calls
from tests.databases import sqlite_url
from tests.sim.replay import replay

SCENARIOS = [
    "single-answered",
    "ts-single-answered",
    "abandoned",
    "seat-login-pause",
    "ts-priority",
]
# Compared between the two; seat, hold and talk seconds depend on the recording rig's random
# ring and talk times, so each side is checked against its own AMI stream's figures instead.
FIELDS = ("state", "outcome", "abandon_position", "abandon_original_position", "line_ended")


async def calls_of(path: Path, directory: Path) -> list[dict[str, Any]]:
    """Ingest one AMI byte stream; each call's figures and timeline kinds, oldest first."""
    directory.mkdir()  # noqa: ASYNC240  (a test's temporary folder)
    engine = create_engine(sqlite_url(directory))
    await upgrade(engine)
    store = TimelineStore(engine)
    try:
        room = make_room(store)
        room.runner.start()
        await ingest_files([path], room.bridge, room.runner)
        await room.runner.close()
        assert (room.runner.stats.failed, room.processor.stats.anomalies) == (0, 0)
        expected = expected_calls([path])
        out = []
        async for row in store.calls():
            if row["id"] in expected:  # what the AMI stream itself says
                assert {k: row[k] for k in expected[row["id"]]} == expected[row["id"]]
            kinds = [s["kind"] for s in await store.timeline(row["id"])]
            out.append({**{k: row[k] for k in FIELDS}, "kinds": kinds})
        return out
    finally:
        await engine.dispose()


@pytest.mark.parametrize("name", SCENARIOS)
async def test_simulated_calls_read_like_the_recorded_ones(name: str, tmp_path: Path) -> None:
    simulated = tmp_path / f"{name}.sim.ami"
    simulated.write_bytes(await replay(name))
    real = await calls_of(FIXTURES / f"{name}.ami", tmp_path / "real")
    sim = await calls_of(simulated, tmp_path / "sim")
    assert sim == real
    assert real or name == "seat-login-pause"
