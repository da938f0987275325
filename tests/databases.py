"""Throwaway databases on the real servers: a SQLite file, or a fresh PostgreSQL database.

Each PostgreSQL database gets a unique name and is dropped afterwards, so several test runs
(and the machine's other users of the ``test`` database) never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

POSTGRES_ADMIN_URL = os.environ.get(
    "CALLCENTER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """Create a fresh database, yield its async SQLAlchemy URL, drop it."""
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'callcenter.db'}"
