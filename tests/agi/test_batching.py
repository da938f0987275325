"""The repeat-caller lookups of sessions in flight share one query, and each is still fresh."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.agi.batching import PriorCallsBatcher
from callcenter.agi.lookups import PriorCall, RoomSnapshot, StoreLookups
from callcenter.domain.call import Call, CallState
from callcenter.storage.store import TimelineStore

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def call(call_id: str, minutes_ago: float) -> PriorCall:
    return PriorCall(call_id, NOW - timedelta(minutes=minutes_ago), "closed", "answered")


class GatedLookups:
    """Answers from ``rows`` when the test opens the gate; records every query."""

    def __init__(self, rows: dict[str, list[PriorCall]]) -> None:
        self.rows = rows
        self.queries: list[tuple[list[str], datetime]] = []
        self.gate = asyncio.Event()
        self.error: Exception | None = None

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        self.queries.append((sorted(numbers), since))
        await self.gate.wait()
        self.gate.clear()
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return {n: self.rows[n] for n in numbers if n in self.rows}

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        return RoomSnapshot(frozenset(), frozenset())


async def test_sessions_asking_together_share_one_query() -> None:
    lookups = GatedLookups({"+1": [call("a", 1), call("b", 40)], "+2": [call("c", 5)]})
    batcher = PriorCallsBatcher(lookups)
    asks = [
        batcher.ask("+1", NOW - timedelta(minutes=30)),
        batcher.ask("+2", NOW - timedelta(minutes=30)),
        batcher.ask("+1", NOW - timedelta(minutes=60)),  # a wider window, same number
        batcher.ask("+3", NOW - timedelta(minutes=30)),
    ]
    await asyncio.sleep(0)
    lookups.gate.set()
    results = await asyncio.gather(*asks)
    assert lookups.queries == [(["+1", "+2", "+3"], NOW - timedelta(minutes=60))]
    assert [[p.id for p in r] for r in results] == [["a"], ["c"], ["a", "b"], []]
    assert batcher.queries == 1


async def test_a_number_asked_during_a_query_gets_a_query_that_starts_after_it() -> None:
    lookups = GatedLookups({"+1": [call("a", 1)], "+2": [call("c", 2)]})
    batcher = PriorCallsBatcher(lookups)
    first = batcher.ask("+1", NOW - timedelta(minutes=30))
    await asyncio.sleep(0)  # the first query is running
    second = batcher.ask("+2", NOW - timedelta(minutes=30))
    third = batcher.ask("+1", NOW - timedelta(minutes=30))
    lookups.gate.set()
    assert [p.id for p in await first] == ["a"]
    await asyncio.sleep(0)
    lookups.gate.set()
    assert [p.id for p in await second] == ["c"]
    assert [p.id for p in await third] == ["a"]
    assert [q for q, _ in lookups.queries] == [["+1"], ["+1", "+2"]]


async def test_a_session_that_stops_waiting_does_not_stop_the_others() -> None:
    lookups = GatedLookups({"+1": [call("a", 1)]})
    batcher = PriorCallsBatcher(lookups)
    impatient = batcher.ask("+1", NOW - timedelta(minutes=30))
    patient = batcher.ask("+1", NOW - timedelta(minutes=30))
    await asyncio.sleep(0)
    impatient.cancel()  # its budget ran out
    lookups.gate.set()
    assert [p.id for p in await patient] == ["a"]
    assert impatient.cancelled()


async def test_a_failed_query_fails_its_batch_only() -> None:
    lookups = GatedLookups({"+1": [call("a", 1)]})
    lookups.error = ConnectionRefusedError("db down")
    batcher = PriorCallsBatcher(lookups)
    failed = batcher.ask("+1", NOW - timedelta(minutes=30))
    await asyncio.sleep(0)
    lookups.gate.set()
    with pytest.raises(ConnectionRefusedError):
        await failed
    later = batcher.ask("+1", NOW - timedelta(minutes=30))
    await asyncio.sleep(0)
    lookups.gate.set()
    assert [p.id for p in await later] == ["a"]


async def test_close_cancels_what_still_waits() -> None:
    lookups = GatedLookups({})
    batcher = PriorCallsBatcher(lookups)
    running = batcher.ask("+1", NOW)
    await asyncio.sleep(0)
    queued = batcher.ask("+2", NOW)
    await batcher.aclose()
    assert running.cancelled() and queued.cancelled()


async def test_store_lookup_of_many_numbers(store: TimelineStore) -> None:
    now = datetime.now(UTC)
    for i in range(25):  # a number that called 25 times in the window: the newest 20
        rang = now - timedelta(minutes=1, seconds=i)
        await store.save(
            Call(id=f"9.{i}", state=CallState.CLOSED, caller_e164="+9", rang_at=rang), []
        )
    await store.save(
        Call(
            id="8.1",
            state=CallState.ABANDONED,
            caller_e164="+8",
            rang_at=now - timedelta(minutes=3),
        ),
        [],
    )
    await store.save(
        Call(
            id="8.0", state=CallState.CLOSED, caller_e164="+8", rang_at=now - timedelta(minutes=50)
        ),
        [],
    )
    lookups = StoreLookups(store.engine)
    since = now - timedelta(minutes=30)
    found = await lookups.prior_calls(["+8", "+9", "+7"], since, 20)
    assert [p.id for p in found["+9"]] == [f"9.{i}" for i in range(20)]  # newest first
    assert [(p.id, p.abandoned) for p in found["+8"]] == [("8.1", True)]
    assert "+7" not in found
    # at start, every number's calls of the window (the route's memory)
    everyone = await lookups.warm(since)
    assert {n: [p.id for p in calls] for n, calls in everyone.items()} == {
        "+8": ["8.1"],
        "+9": [f"9.{i}" for i in range(20)],
    }
