"""The processor needs nothing of its store but the ``CallStore`` port: a fake in memory does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.callbacks import CallbackOp, CallbackTask
from callcenter.domain.effects import AppendTimeline, NotifyClients, RequestDispatch
from callcenter.domain.lifecycle import transition
from callcenter.pipeline.ports import Saved
from callcenter.pipeline.processor import CallProcessor
from tests.domain.factories import make


class MemoryWrites:
    def __init__(self) -> None:
        self.items: list[Saved] = []
        self.callbacks: list[CallbackOp] = []

    async def save_many(self, items: Sequence[Saved]) -> int:
        self.items.extend(items)
        return sum(len(steps) for _call, steps, _ds in items)

    async def apply_callbacks(self, ops: Sequence[CallbackOp]) -> tuple[list[CallbackTask], int]:
        self.callbacks.extend(ops)
        return [], 0


class MemoryStore:
    """Calls and steps in dicts; a transaction is applied only if its block did not raise."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.steps: dict[str, list[AppendTimeline]] = {}
        self.transactions = 0
        self.fail_commit = False

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        if call_id not in self.calls:
            return None
        return self.calls[call_id], {s.source_id for s in self.steps[call_id]}

    async def load_many(self, call_ids: Collection[str]) -> dict[str, tuple[Call, set[str]]]:
        return {c: found for c in call_ids if (found := await self.load(c)) is not None}

    async def save(
        self,
        call: Call,
        steps: Sequence[AppendTimeline],
        dispatches: Sequence[RequestDispatch] = (),
    ) -> int:
        self._apply([(call, steps, dispatches)])
        return len(steps)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryWrites]:
        writes = MemoryWrites()
        yield writes
        if self.fail_commit:
            raise ConnectionError("database gone at commit")
        self.transactions += 1
        self._apply(writes.items)

    def _apply(self, items: Sequence[Saved]) -> None:
        for call, steps, _ds in items:
            self.calls[call.id] = call
            self.steps.setdefault(call.id, []).extend(steps)


class Notes:
    def __init__(self) -> None:
        self.got: list[NotifyClients] = []

    async def notify(self, message: NotifyClients) -> None:
        self.got.append(message)


async def test_a_batch_is_one_transaction_of_the_port_and_notifies_after_it() -> None:
    store, notes = MemoryStore(), Notes()
    processor = CallProcessor(store, notes)
    async with processor.batch():
        await processor.handle(make(ev.CallEntered, "a"))
        await processor.handle(make(ev.CallerQueued, "a"))
        await processor.handle(make(ev.CallEntered, "b"))
        assert store.calls == {} and notes.got == []  # nothing before the commit
    assert store.transactions == 1
    assert store.calls["a"].state is CallState.QUEUED
    assert [s.kind for s in store.steps["a"]] == ["entered", "queued"]
    assert processor.stats.steps_stored == 3
    assert notes.got  # after the commit


async def test_a_failed_transaction_forgets_the_calls_it_touched_and_notifies_nothing() -> None:
    store, notes = MemoryStore(), Notes()
    processor = CallProcessor(store, notes)
    store.fail_commit = True
    with pytest.raises(ConnectionError):
        async with processor.batch():
            await processor.handle(make(ev.CallEntered, "a"))
    assert processor.cached("a") is None and store.calls == {} and notes.got == []
    store.fail_commit = False
    # replayed one by one outside a batch, as the runner does
    assert await processor.handle(make(ev.CallEntered, "a")) is not None
    assert store.calls["a"].state is CallState.RINGING


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.bulk: list[set[str]] = []

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        self.loads.append(call_id)
        return await super().load(call_id)

    async def load_many(self, call_ids: Collection[str]) -> dict[str, tuple[Call, set[str]]]:
        self.bulk.append(set(call_ids))
        return {c: found for c in call_ids if (found := await MemoryStore.load(self, c))}


async def test_prefetch_loads_a_batch_of_calls_at_once_and_knows_the_new_ones() -> None:
    store = CountingStore()
    old = CallProcessor(store, Notes())
    entered = make(ev.CallEntered, "known")
    await old.handle(entered)  # stored by an earlier run: not in the new processor's cache
    processor = CallProcessor(store, Notes())
    store.loads.clear()
    async with processor.batch():
        await processor.prefetch(["known", "new1", "new2", "new1"])
        assert await processor.handle(entered) is None  # a replay, seen from the prefetch
        await processor.handle(make(ev.CallEntered, "new1"))
        await processor.handle(make(ev.CallEntered, "new2"))
        await processor.handle(make(ev.CallerQueued, "known"))
    assert store.bulk == [{"known", "new1", "new2"}]
    assert store.loads == []  # nothing asked one by one
    assert processor.stats.duplicates == 1
    assert store.calls["known"].state is CallState.QUEUED
    assert set(store.calls) == {"known", "new1", "new2"}


async def test_prefetch_outside_a_batch_does_nothing_and_absence_ends_with_the_batch() -> None:
    store = CountingStore()
    processor = CallProcessor(store, Notes())
    await processor.prefetch(["a"])
    assert store.bulk == []
    async with processor.batch():
        await processor.prefetch(["a"])
    await store.save(*_stored("a"))  # written elsewhere after the batch
    assert await processor.current("a") is not None  # asked again: not "absent" any more
    assert store.loads == ["a"]


def _stored(call_id: str) -> tuple[Call, list[AppendTimeline]]:
    call, effects = transition(None, make(ev.CallEntered, call_id))
    return call, [e for e in effects if isinstance(e, AppendTimeline)]
