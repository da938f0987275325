"""The simulator's Asterisk logs reach their sinks: the queue_log file, and the queue_log and
cel tables of a real PostgreSQL created by callcenter's migration (as on a PBX: Asterisk only
needs the connection), with every row, in order; tables that are not there yet slow and break
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from callcenter.pbxlog.tables import CEL, QUEUE_LOG
from callcenter.sim.pbx_log_sinks import LogWriter, QueueLogFile, SqlTables
from callcenter.storage.database import upgrade
from tests.databases import postgres_database
from tests.sim.pbx_log_room import play_burst

pytestmark = pytest.mark.postgres


@pytest.fixture
async def astlog() -> AsyncIterator[tuple[str, AsyncEngine]]:
    async with postgres_database() as url:
        engine = create_async_engine(url)
        try:
            yield url, engine
        finally:
            await engine.dispose()


async def test_rows_reach_the_file_and_asterisks_tables(
    astlog: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    _url, engine = astlog
    await upgrade(engine)
    path = tmp_path / "queue_log"
    writer = LogWriter([QueueLogFile(path), SqlTables(engine)], interval=0.05)
    writer.start()
    burst = await play_burst(writer)
    await writer.close()

    expected_q = [r.columns() for r in burst.rows.queue_log_rows]
    expected_cel = [r.columns() for r in burst.rows.cel_rows]
    async with engine.connect() as conn:
        stored_q = [
            {k: v for k, v in row._mapping.items() if k != "id"}
            for row in await conn.execute(select(QUEUE_LOG).order_by(QUEUE_LOG.c.id))
        ]
        stored_cel = [
            {k: v for k, v in row._mapping.items() if k != "id"}
            for row in await conn.execute(select(CEL).order_by(CEL.c.id))
        ]
    assert stored_q == expected_q
    assert stored_cel == expected_cel
    assert path.read_text().splitlines() == [r.file_line() for r in burst.rows.queue_log_rows]
    stats = writer.stats
    assert all(s.errors == 0 and s.dropped == 0 and s.pending == 0 for s in stats.values())


async def test_a_missing_database_table_is_counted_and_written_later(
    astlog: tuple[str, AsyncEngine],
) -> None:
    _url, engine = astlog
    sink = SqlTables(engine)
    writer = LogWriter([sink], interval=0.05)
    burst = await play_burst(writer)  # the simulation is not slowed nor stopped by the sink
    assert burst.sim.tally.offered == 60
    await writer.flush()
    (stats,) = writer.stats.values()
    assert stats.errors == 1 and stats.queue_log_written == 0
    assert stats.pending == len(burst.rows.queue_log_rows) + len(burst.rows.cel_rows)

    await upgrade(engine)  # callcenter's migration ran: the rows waiting go now
    await writer.close()
    (stats,) = writer.stats.values()
    assert (stats.errors, stats.pending) == (1, 0)
    assert stats.queue_log_written == len(burst.rows.queue_log_rows)
    assert stats.cel_written == len(burst.rows.cel_rows)
    async with engine.connect() as conn:
        events = [
            r[0] for r in await conn.execute(select(QUEUE_LOG.c.event).order_by(QUEUE_LOG.c.id))
        ]
    assert events == [r.event for r in burst.rows.queue_log_rows]
