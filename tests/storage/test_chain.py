"""The tamper-evident timeline: every stored step chains to the one before, the call keeps the
head, and ``callcenter verify`` / the API / the export catch an edit made behind callcenter's
back (SQL straight into the database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.audit.export import export_calls
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.chain import GENESIS, step_hash
from callcenter.storage.database import alembic_config, create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.storage.test_store import CALL, answered_call_events


async def record(store: TimelineStore) -> None:
    processor = CallProcessor(store, NullNotifier())
    for event in answered_call_events():
        await processor.handle(event)


async def test_each_step_chains_to_the_one_before(store: TimelineStore) -> None:
    await record(store)
    steps = await store.timeline(CALL)
    prev = GENESIS
    for step in steps:
        assert step["hash"] == step_hash(prev, step)
        prev = step["hash"]
    call = await store.get_call(CALL)
    assert call is not None and call["timeline_head"] == prev
    verdict = await store.verify(CALL)
    assert verdict is not None and verdict.intact and verdict.steps == len(steps)
    # A replay adds nothing and keeps the chain whole.
    await record(store)
    again = await store.verify(CALL)
    assert again is not None and again.intact and again.steps == len(steps)


@pytest.mark.parametrize(
    ("edit", "bad_seq"),
    [
        (
            'UPDATE timeline SET payload = \'{"state": "x"}\' WHERE call_id = :c AND seq = 3',
            3,
        ),
        ("UPDATE timeline SET kind = 'abandoned' WHERE call_id = :c AND seq = 4", 4),
        ("UPDATE timeline SET source_id = 'forged' WHERE call_id = :c AND seq = 2", 2),
        ("DELETE FROM timeline WHERE call_id = :c AND seq = 2", 3),  # a step removed
        ("DELETE FROM timeline WHERE call_id = :c AND seq = 6", None),  # the last one removed
    ],
)
async def test_an_edit_behind_callcenters_back_is_caught(
    store: TimelineStore, engine: AsyncEngine, edit: str, bad_seq: int | None
) -> None:
    await record(store)
    async with engine.begin() as conn:
        await conn.execute(text(edit), {"c": CALL})
    verdict = await store.verify(CALL)
    assert verdict is not None and not verdict.intact
    assert verdict.first_bad_seq == bad_seq, verdict


async def test_the_export_carries_the_hashes(store: TimelineStore) -> None:
    await record(store)
    [exported] = [obj async for obj in export_calls(store)]
    hashes = [step["hash"] for step in exported["timeline"]]
    assert all(len(h) == 64 for h in hashes)
    assert exported["timeline_head"] == hashes[-1]


def callcenter(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CALLCENTER_DATABASE__URL": url},
        cwd=cwd,
        timeout=60,
        check=False,
    )


async def test_callcenter_verify_catches_an_edited_row(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        await record(TimelineStore(engine))
        good = callcenter("verify", url=database_url, cwd=tmp_path)
        assert good.returncode == 0, good.stdout + good.stderr
        assert "checked 1 calls, 6 steps: all intact" in good.stdout
        digest_before = good.stdout.splitlines()[-1]
        assert digest_before.startswith("digest sha256-v1 ")

        # Behind callcenter's back: the answered step now says the call was abandoned.
        async with engine.begin() as conn:
            row = (
                await conn.execute(
                    text("SELECT payload FROM timeline WHERE call_id = :c AND seq = 5"), {"c": CALL}
                )
            ).scalar_one()
            payload = row if isinstance(row, dict) else json.loads(row)
            payload["state"] = "abandoned"
            await conn.execute(
                text("UPDATE timeline SET payload = :p WHERE call_id = :c AND seq = 5"),
                {"p": json.dumps(payload), "c": CALL},
            )
        bad = callcenter("verify", "--call", CALL, url=database_url, cwd=tmp_path)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert f"BROKEN call {CALL}: step 5: its content does not match its hash" in bad.stdout
    finally:
        await engine.dispose()


async def test_the_migration_chains_the_steps_already_stored(
    store: TimelineStore, engine: AsyncEngine
) -> None:
    await record(store)
    before = [s["hash"] for s in await store.timeline(CALL)]

    def down(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")  # as a database from before revision 0006

    async with engine.begin() as conn:
        await conn.run_sync(down)
    await upgrade(engine)
    assert [s["hash"] for s in await store.timeline(CALL)] == before
    verdict = await store.verify(CALL)
    assert verdict is not None and verdict.intact
