"""The async engine and schema migrations (Alembic, applied with ``callcenter db upgrade``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# A pooled PostgreSQL connection idle longer than this is pinged before use (see _ping_if_idle).
PING_AFTER_IDLE_SECONDS = 2.0


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; for SQLite, the file's folder is created and WAL turned on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=10)
    event.listen(engine.sync_engine, "checkin", _note_checkin)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection before use only if it sat idle in the pool (a server restarted or a
    firewall dropped it meanwhile); a dead one is replaced, transparently to the caller.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: on asyncpg three round trips
    (BEGIN, ``;``, ROLLBACK) before each query, which under a burst doubled the CPU and the
    waits of the FastAGI lookups and of every pipeline batch. A connection that was in use a
    moment ago is used as is; if its server went away since, the statement fails as an outage
    (the pipeline holds and retries, see ``pipeline/outage.py``) and SQLAlchemy invalidates the
    pool, so the next checkouts get fresh connections.
    """
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise exc.DisconnectionError(f"pooled connection dead after idling: {error}") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (from an empty database too)."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


class SchemaOutdatedError(Exception):
    """The database is not at the schema this code expects; only ``callcenter db upgrade``
    migrates it (a command that merely reads or writes rows never does)."""


async def check_schema(engine: AsyncEngine) -> None:
    """Raise ``SchemaOutdatedError`` unless the database is at the migrations' head."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        found = await connection.run_sync(current)
    if found != head:
        raise SchemaOutdatedError(
            f"the database schema is at {found or 'nothing'}, this callcenter needs {head}: "
            "run 'callcenter db upgrade' first"
        )
