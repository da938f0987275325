"""PostgreSQL pool: a connection idle in the pool is pinged before use, one in steady use is not.

Against the real server: a backend is killed with ``pg_terminate_backend`` as a server restart
would, and what the next user of the pool sees is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.storage import database
from callcenter.storage.database import create_engine
from tests.databases import POSTGRES_ADMIN_URL, postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with postgres_database() as url:
        engine = create_engine(url)
        yield engine
        await engine.dispose()


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def kill(pid: int) -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_that_died_idle_in_the_pool_is_replaced_unseen(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend_pid(pg_engine)
    await kill(first)
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # idle long enough: pinged
    assert await backend_pid(pg_engine) != first  # no error: the ping found it dead


async def test_a_connection_in_steady_use_is_not_pinged_and_one_failure_renews_the_pool(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 3600.0)
    first = await backend_pid(pg_engine)
    assert await backend_pid(pg_engine) == first  # LIFO: the hot connection again
    await kill(first)
    # Not pinged (no round trips spent on it): its first statement finds it dead...
    with pytest.raises(DBAPIError) as failed:
        await backend_pid(pg_engine)
    assert failed.value.connection_invalidated
    # ...and the next one gets a fresh connection.
    assert await backend_pid(pg_engine) != first
