"""The room filling at once: every session of a burst decided, whatever its size."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from callcenter.agi.lookups import PriorCall, RoomSnapshot, StoreLookups
from callcenter.agi.qualify import QualifyConfig
from callcenter.sim.agi_peer import PeerResult, environment, play
from tests.agi.conftest import ENV1, Room, RoomFactory


class HeldLookups:
    """The store's lookups, held until ``release`` is set (a query still running)."""

    def __init__(self, inner: StoreLookups) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.priors: list[list[str]] = []
        self.warmed = 0

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        self.priors.append(sorted(numbers))
        await self.release.wait()
        return await self.inner.prior_calls(numbers, since, limit)

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        await self.release.wait()
        return await self.inner.room(pending)

    async def warm(self, since: datetime) -> Mapping[str, Sequence[PriorCall]]:
        self.warmed += 1
        return {}


def sessions(room: Room, count: int, first: int = 0) -> list[asyncio.Future[PeerResult]]:
    return [
        asyncio.ensure_future(
            play(
                "127.0.0.1",
                room.port,
                environment(ENV1, agi_uniqueid=f"70.{2 * i + 1}", agi_callerid=f"0661{i:06d}"),
                variables={"CHANNEL(linkedid)": f"70.{2 * i}"},
                limit=30,
            )
        )
        for i in range(first, first + count)
    ]


async def wait_for(condition: Callable[[], bool]) -> None:
    """Until the server's counters say so (they have no event to wait on)."""
    async with asyncio.timeout(20):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def decided(result: PeerResult) -> bool:
    v = result.variables
    return "QUEUE_PRIO" in v and "CALLCENTER_ROUTE" in v and v["CALLCENTER_DEGRADED"] == "0"


async def test_a_burst_shares_its_repeat_caller_queries(make_room: RoomFactory) -> None:
    # a generous budget: this is about how many queries, not how fast (bench/ measures that)
    held = HeldLookups(StoreLookups((await make_room()).store.engine))
    room = await make_room(lookups=held, budget=20.0, config=QualifyConfig(), max_active=64)
    assert held.warmed == 1  # the start warmed the lookups
    burst = sessions(room, 30)
    await wait_for(lambda: room.route.stats.sessions == 30)
    held.release.set()
    results = await asyncio.gather(*burst)
    assert all(decided(r) for r in results)
    # one query held while the others asked: they all share the next one (or the first, if
    # they asked before it began)
    assert len(held.priors) <= 2
    assert sum(len(numbers) for numbers in held.priors) == 30
    assert room.server.stats.answered == 30


async def test_a_burst_larger_than_the_places_is_served_in_turn(make_room: RoomFactory) -> None:
    room = await make_room(capacity=60, budget=20.0, max_active=4)
    results = await asyncio.gather(*sessions(room, 40))
    assert all(decided(r) for r in results)
    routes = [r.variables["CALLCENTER_ROUTE"] for r in results]
    assert routes.count("queue") == 40
    assert room.server.stats.answered == 40
    assert room.server.stats.shed == 0


async def test_a_session_that_waits_too_long_for_a_place_is_let_go_at_once(
    make_room: RoomFactory,
) -> None:
    held = HeldLookups(StoreLookups((await make_room()).store.engine))
    room = await make_room(lookups=held, budget=20.0, max_active=2, place_wait=0.05)
    burst = sessions(room, 3)  # two hold the places (their lookups are held), one waits
    await wait_for(lambda: room.server.stats.shed == 1)
    held.release.set()
    results = await asyncio.gather(*burst)
    # the one let go got no command at all: the dialplan's defaults stand (fail-open)
    assert sorted(len(r.commands) for r in results) == [0, 4, 4]
    assert sum(decided(r) for r in results) == 2
    assert all(r.closed_by_server for r in results)
    assert room.server.stats.answered == 2
    assert room.route.stats.sessions == 2


class BrokenWarmLookups(HeldLookups):
    async def warm(self, since: datetime) -> Mapping[str, Sequence[PriorCall]]:
        raise ConnectionRefusedError("db down at start")


async def test_a_store_down_at_start_does_not_stop_the_server(make_room: RoomFactory) -> None:
    held = BrokenWarmLookups(StoreLookups((await make_room()).store.engine))
    held.release.set()
    room = await make_room(lookups=held)
    (result,) = await asyncio.gather(*sessions(room, 1))
    assert decided(result)


async def test_a_peer_that_stalls_holds_no_place(make_room: RoomFactory) -> None:
    room = await make_room(budget=20.0, max_active=1, place_wait=0.2)  # env_timeout 1 s
    _, stalled = await asyncio.open_connection("127.0.0.1", room.port)
    stalled.write(ENV1[:100])  # the beginning of an environment, then nothing
    await stalled.drain()
    try:
        (result,) = await asyncio.gather(*sessions(room, 1))
    finally:
        stalled.close()
    assert decided(result)
    assert room.server.stats.shed == 0
