"""The ordered event queue: implements the ``EventSink`` port and feeds the ``CallProcessor``.

One worker applies every item in the order it was put: events of one call are therefore
processed strictly in arrival order (and so are all calls, which keeps it simple and fast
enough: a few thousand domain events a second on SQLite). ``put_nowait`` is for synchronous
callers on the event loop (the AMI protocol's ``data_received``); ``submit`` is the
``EventSink`` port for other tasks (AGI server, API, dispatch). Resync views are turned into
events here, against the call as the processor has it at that point of the stream.

An item that fails (database down) is logged and counted in ``stats.failed``; the worker goes
on with the next one. ``close()`` processes everything already queued before returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from callcenter.domain.events import CallEvent, Clock
from callcenter.domain.resync import LostCallView, PbxCallView, plan_lost, plan_resync
from callcenter.pipeline.processor import CallProcessor

log = logging.getLogger(__name__)

Item = CallEvent | PbxCallView | LostCallView


@dataclass
class RunnerStats:
    queued: int = 0
    processed: int = 0
    failed: int = 0
    inferred: int = 0
    batches: int = 0
    lag_ms_last: float = 0.0
    lag_ms_max: float = 0.0


class OrderedRunner:
    def __init__(
        self, processor: CallProcessor, *, measure_lag: bool = True, batch_size: int = 500
    ) -> None:
        self.processor = processor
        self.batch_size = batch_size
        self.stats = RunnerStats()
        self.measure_lag = measure_lag
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="runner")

    def put_nowait(self, item: Item) -> None:
        self.stats.queued += 1
        self._queue.put_nowait(item)

    async def submit(self, event: CallEvent) -> None:
        self.put_nowait(event)

    def backlog(self) -> int:
        return self._queue.qsize()

    async def drain(self) -> None:
        """Wait until every item queued so far has been processed."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is None:
            return
        await self.drain()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._process_batch(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _process_batch(self, batch: list[Item]) -> None:
        """What is waiting goes in one transaction; if that fails, one item at a time."""
        self.stats.batches += 1
        try:
            async with self.processor.batch():
                # the batch's calls not in the processor's cache: one query, not one each
                await self.processor.prefetch(item.call_id for item in batch)
                for item in batch:
                    await self.process(item)
            return
        except Exception:
            if len(batch) == 1:
                self.stats.failed += 1
                log.exception("could not process %r", batch[0])
                return
            log.warning("a batch of %d failed; retrying one by one", len(batch), exc_info=True)
        for item in batch:
            try:
                await self.process(item)
            except Exception:
                self.stats.failed += 1
                log.exception("could not process %r", item)

    async def process(self, item: Item) -> None:
        if isinstance(item, CallEvent):
            await self._handle(item)
        else:
            # A replayed snapshot must not infer again from the call's later state.
            suffix = ":resynced" if isinstance(item, PbxCallView) else ":lost"
            if await self.processor.has_seen(item.call_id, item.source_id + suffix):
                self.stats.processed += 1
                return
            call = await self.processor.current(item.call_id)
            planned = (
                plan_resync(call, item) if isinstance(item, PbxCallView) else plan_lost(call, item)
            )
            for event in planned:
                self.stats.inferred += event.inferred
                await self._handle(event)
        self.stats.processed += 1

    async def _handle(self, event: CallEvent) -> None:
        await self.processor.handle(event)
        if self.measure_lag and event.clock is Clock.PBX:
            lag = (datetime.now(UTC) - event.at).total_seconds() * 1000
            self.stats.lag_ms_last = lag
            self.stats.lag_ms_max = max(self.stats.lag_ms_max, lag)
