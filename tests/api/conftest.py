from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import Room, build_room, serve
from tests.databases import sqlite_url


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[TimelineStore]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    yield TimelineStore(engine)
    await engine.dispose()


@pytest.fixture
async def room(sqlite_store: TimelineStore) -> Room:
    return await build_room(sqlite_store, MemoryLog())


@pytest.fixture
async def base(room: Room) -> AsyncIterator[str]:
    async with serve(room.app) as url:
        yield url
