"""Migration 0008_pbx_log creates the tables Asterisk writes with Asterisk's own columns and
types: on a real PostgreSQL, the columns of the recording's schema.sql (the DDL the PBX of
bridge-down-A wrote into) and those of callcenter's migration are the same, and
``callcenter/pbxlog/tables.py`` (what the bridge reads and the simulator writes) names the
same columns."""

from __future__ import annotations

import asyncpg
import pytest

from callcenter.pbxlog.tables import CEL, QUEUE_LOG
from callcenter.storage.database import create_engine, upgrade
from tests.databases import postgres_database
from tests.pbxlog import bridge_down as rec

pytestmark = pytest.mark.postgres

COLUMNS = """
    SELECT table_name, column_name, data_type, character_maximum_length, is_nullable
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name IN ('queue_log', 'cel')
    ORDER BY table_name, column_name
"""
Column = tuple[str, str, str, int | None, str]


async def columns(url: str) -> list[Column]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return [(r[0], r[1], r[2], r[3], r[4]) for r in await conn.fetch(COLUMNS)]
    finally:
        await conn.close()


async def test_the_migration_creates_asterisks_tables_as_the_recording_has_them() -> None:
    async with postgres_database() as recorded_url, postgres_database() as migrated_url:
        conn = await asyncpg.connect(recorded_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute((rec.HERE / "schema.sql").read_text())
        finally:
            await conn.close()
        engine = create_engine(migrated_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        recorded, migrated = await columns(recorded_url), await columns(migrated_url)

    assert {c[0] for c in recorded} == {"queue_log", "cel"}
    assert migrated == recorded
    for table in (QUEUE_LOG, CEL):
        assert {c.name for c in table.columns} == {c[1] for c in recorded if c[0] == table.name}
