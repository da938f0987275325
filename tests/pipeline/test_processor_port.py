"""The processor needs nothing of its store but the ``CallStore`` port: a fake in memory does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import Call, CallState
from callcenter.domain.callbacks import CallbackOp, CallbackTask
from callcenter.domain.effects import AppendTimeline, NotifyClients, RequestDispatch
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

    async def apply_callbacks(self, ops: Sequence[CallbackOp]) -> list[CallbackTask]:
        self.callbacks.extend(ops)
        return []


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
