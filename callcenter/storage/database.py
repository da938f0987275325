"""The async engine and schema migrations (Alembic, applied with ``callcenter db upgrade``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# A pooled connection idle for longer than this is pinged before use (it may have died with a
# server restart); one in steady use is not. SQLAlchemy's own pre-ping costs three round trips
# (BEGIN, ``;``, ROLLBACK) on every checkout: a quarter of a hand-off's transaction.
PING_IDLE_SECONDS = 2.0


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; for SQLite, the file's folder is created and WAL turned on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_use_lifo=True)
    event.listen(engine.sync_engine, "connect", _checked_in)  # new: no ping needed
    event.listen(engine.sync_engine, "checkin", _checked_in)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat idle in the pool; a dead one is replaced by a fresh one.

    One in steady use (LIFO: the last one checked in goes out first) is not pinged: if the
    server restarted meanwhile its first statement fails, SQLAlchemy then invalidates the whole
    pool, and the caller retries as it does for any database error (the pipeline's runner, the
    relay, the console).
    """
    since = record.info.get("idle_since")
    if since is not None and time.monotonic() - since < PING_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError(str(exc)) from exc


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
