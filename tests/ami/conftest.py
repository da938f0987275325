from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from callcenter.ami.bridge import Bridge
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.databases import sqlite_url

FIXTURES = Path(__file__).parent.parent / "fixtures"


@dataclass
class Room:
    store: TimelineStore
    processor: CallProcessor
    runner: OrderedRunner
    seats: LiveSeatBoard
    bridge: Bridge


def make_room(store: TimelineStore, *, offline: bool = True) -> Room:
    processor = CallProcessor(store, NullNotifier())
    runner = OrderedRunner(processor, measure_lag=not offline)
    seats = LiveSeatBoard()
    bridge = Bridge(runner.put_nowait, seats, offline=offline)
    return Room(store, processor, runner, seats, bridge)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[TimelineStore]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    yield TimelineStore(engine)
    await engine.dispose()
