"""Apply domain events to calls, one at a time, and perform the effects in order.

The caller of ``handle`` owns ordering: events must be handed over in arrival order (the AMI
bridge does it from a single queue). An event whose ``source_id`` is already on the call's
timeline is skipped before the transition, so a replay changes nothing.

Inside ``async with processor.batch():`` the events handled share one store transaction
(``CallStore.transaction``: each call saved once, at the end) and notifications go out after
the commit; if the transaction fails, the calls it touched are dropped from the cache and the
error propagates (the runner then replays the batch one event at a time).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from callcenter.domain import callbacks
from callcenter.domain.call import Call
from callcenter.domain.callbacks import CallbackOp, CallbackRules, CallbackTask
from callcenter.domain.effects import AppendTimeline, NotifyClients, RequestDispatch
from callcenter.domain.events import CallEvent
from callcenter.domain.lifecycle import transition
from callcenter.pipeline.ports import CallStore, CallWrites, Notifier

log = logging.getLogger(__name__)


@dataclass
class ProcessorStats:
    handled: int = 0
    duplicates: int = 0
    anomalies: int = 0
    steps_stored: int = 0


class CallProcessor:
    def __init__(
        self,
        store: CallStore,
        notifier: Notifier,
        *,
        cache_size: int = 20_000,
        callback_rules: CallbackRules | None = None,
    ) -> None:
        self.store = store
        self.callback_rules = callback_rules or CallbackRules()
        self._ops: list[CallbackOp] = []
        self.notifier = notifier
        self.stats = ProcessorStats()
        self._cache: OrderedDict[str, tuple[Call, set[str]]] = OrderedDict()
        self._cache_size = cache_size
        self._tx: CallWrites | None = None
        self._touched: set[str] = set()
        self._notes: list[NotifyClients] | None = None
        # in a batch: each call's last state and its new steps, saved once at the end
        self._saves: dict[str, tuple[Call, list[AppendTimeline], list[RequestDispatch]]] = {}
        # in a batch: calls ``prefetch`` found the store without (new calls), not asked again
        self._absent: set[str] = set()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        if self._tx is not None:  # already in one
            yield
            return
        self._touched, self._notes, self._saves, self._ops = set(), [], {}, []
        try:
            async with self.store.transaction() as tx:
                self._tx = tx
                yield
                self.stats.steps_stored += await tx.save_many(list(self._saves.values()))
                if self._ops:
                    changed, stored = await tx.apply_callbacks(self._ops)
                    self.stats.steps_stored += stored
                    self._notes.extend(_task_notes(changed))
        except BaseException:
            for call_id in self._touched:
                self._cache.pop(call_id, None)
            self._notes = None
            raise
        finally:
            self._tx = None
            self._saves = {}
            self._ops = []
            self._absent = set()
        notes, self._notes = self._notes or [], None
        for note in notes:
            await self.notifier.notify(note)

    async def handle(self, event: CallEvent) -> Call | None:
        """Process one event; returns the call after it (None if it was a duplicate)."""
        call, seen = await self._load(event.call_id)
        if event.source_id in seen:
            self.stats.duplicates += 1
            return None
        new, effects = transition(call, event)
        steps = [e for e in effects if isinstance(e, AppendTimeline)]
        # Dispatch tickets (and their outbox rows) go in the same transaction as the steps,
        # and so do the call-back tasks (domain/callbacks.py); a task's own step is written by
        # the store with the task, so a call that already has one (e.g. cut off, then
        # recovered from the PBX's log and found abandoned) gets neither a second task nor a
        # second step.
        dispatches = [e for e in effects if isinstance(e, RequestDispatch)]
        ops = callbacks.on_transition(call, new, event, self.callback_rules)
        if self._tx is not None:
            self._touched.add(new.id)
            _, earlier_steps, earlier_dispatches = self._saves.pop(new.id, (new, [], []))
            self._saves[new.id] = (new, earlier_steps + steps, earlier_dispatches + dispatches)
            self._ops.extend(ops)
        elif ops:
            async with self.store.transaction() as tx:
                self.stats.steps_stored += await tx.save_many([(new, steps, dispatches)])
                changed, stored = await tx.apply_callbacks(ops)
                self.stats.steps_stored += stored
            effects = [*effects, *_task_notes(changed)]
        elif dispatches:
            self.stats.steps_stored += await self.store.save(new, steps, dispatches)
        else:
            self.stats.steps_stored += await self.store.save(new, steps)
        seen.update(step.source_id for step in steps)
        seen.add(event.source_id)
        self._remember(new, seen)
        self.stats.handled += 1
        for effect in effects:
            if isinstance(effect, AppendTimeline) and effect.kind == "anomaly":
                self.stats.anomalies += 1
                log.warning("anomaly on call %s: %s", effect.call_id, effect.payload)
            elif isinstance(effect, NotifyClients):
                if self._notes is not None:
                    self._notes.append(effect)
                else:
                    await self.notifier.notify(effect)
        return new

    async def prefetch(self, call_ids: Iterable[str]) -> None:
        """Inside ``batch()``: load the calls not in the cache in one query rather than one each
        (in a burst, most are new calls the store does not have: those are remembered as
        absent until the batch ends). Outside a batch it does nothing."""
        if self._tx is None:
            return
        missing = {call_id for call_id in call_ids if call_id not in self._cache}
        if not missing:
            return
        found = await self.store.load_many(missing)
        for call, seen in found.values():
            self._remember(call, seen)
        self._absent = missing - found.keys()

    async def current(self, call_id: str) -> Call | None:
        """The call as processed so far (from the cache, else the store), None if unknown."""
        call, _seen = await self._load(call_id)
        return call

    async def has_seen(self, call_id: str, source_id: str) -> bool:
        """Whether ``source_id`` is already on the call's timeline (a replay)."""
        _call, seen = await self._load(call_id)
        return source_id in seen

    def cached(self, call_id: str) -> Call | None:
        entry = self._cache.get(call_id)
        return entry[0] if entry else None

    async def _load(self, call_id: str) -> tuple[Call | None, set[str]]:
        entry = self._cache.get(call_id)
        if entry is not None:
            self._cache.move_to_end(call_id)
            return entry
        if call_id in self._absent:
            return None, set()
        loaded = await self.store.load(call_id)
        if loaded is None:
            return None, set()
        return loaded

    def _remember(self, call: Call, seen: set[str]) -> None:
        self._absent.discard(call.id)
        self._cache[call.id] = (call, seen)
        self._cache.move_to_end(call.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _task_notes(tasks: list[CallbackTask]) -> list[NotifyClients]:
    """Each task created or changed, for the live feeds (supervisors; operators refetch)."""
    return [
        NotifyClients(
            topic="callback",
            call_id=t.call_id,
            kind="callback_task",
            seat=t.seat,
            payload=t.public(),
        )
        for t in tasks
    ]
