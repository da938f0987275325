from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.agi.admission import RoomLedger
from callcenter.agi.lookups import EntryLookups, PriorCall, RoomSnapshot, StoreLookups
from callcenter.agi.qualify import QualifyConfig, QualifyRoute
from callcenter.agi.server import MAX_ACTIVE, FastAgiServer
from callcenter.pipeline.ports import EventSink, NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.sim.agi_peer import split_sessions
from callcenter.storage.store import TimelineStore

FIXTURES = Path(__file__).parent.parent / "fixtures"
RAW = (FIXTURES / "fastagi-from-asterisk.raw").read_bytes()
ENV1, ENV2 = split_sessions(RAW)
LINKEDID1 = "1795319052.248"  # fastagi.ami: Linkedid of uniqueid 1795319052.249


class Room:
    """A running FastAGI server with the qualify route, for one test."""

    def __init__(
        self,
        server: FastAgiServer,
        route: QualifyRoute,
        store: TimelineStore,
        sink: OrderedRunner,
    ) -> None:
        self.server = server
        self.route = route
        self.store = store
        self.sink = sink

    @property
    def port(self) -> int:
        return self.server.port

    async def entered(self, call_id: str) -> dict[str, Any]:
        await self.sink.drain()  # every decision handed over so far is applied
        steps = [s for s in await self.store.timeline(call_id) if s["kind"] == "entry_decision"]
        assert len(steps) == 1, steps
        return steps[0]


RoomFactory = Callable[..., Awaitable[Room]]


@pytest.fixture
async def make_room(store: TimelineStore) -> AsyncIterator[RoomFactory]:
    rooms: list[Room] = []

    async def make(
        *,
        lookups: EntryLookups | None = None,
        sink: EventSink | None = None,
        capacity: int = 60,
        budget: float = 2.0,  # generous: the machine is shared; budget tests pass their own
        config: QualifyConfig | None = None,
        max_active: int = MAX_ACTIVE,
        place_wait: float = 2.0,
    ) -> Room:
        recorder = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False)
        recorder.start()
        route = QualifyRoute(
            lookups or StoreLookups(store.engine),
            RoomLedger(capacity),
            sink or recorder,
            config or QualifyConfig(),
        )
        server = FastAgiServer(
            {"qualify": route},
            port=0,
            budget=budget,
            env_timeout=1.0,
            max_active=max_active,
            place_wait=place_wait,
        )
        await server.start()
        room = Room(server, route, store, recorder)
        rooms.append(room)
        return room

    yield make
    for room in rooms:
        await room.server.close(grace=15.0)
        await room.sink.close()


class SlowLookups:
    """A store that answers after ``delay`` seconds (or raises ``error``)."""

    def __init__(self, delay: float = 30.0, error: Exception | None = None) -> None:
        self.delay = delay
        self.error = error
        self.calls = 0

    async def _wait(self) -> None:
        import asyncio

        self.calls += 1
        if self.error is not None:
            raise self.error
        await asyncio.sleep(self.delay)

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        await self._wait()
        return {}

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        await self._wait()
        return RoomSnapshot(frozenset(), frozenset())
