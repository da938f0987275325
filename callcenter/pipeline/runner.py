"""The ordered event queue: implements the ``EventSink`` port and feeds the ``CallProcessor``.

One worker applies every item in the order it was put: events of one call are therefore
processed strictly in arrival order (and so are all calls, which keeps it simple and fast
enough: a few thousand domain events a second on SQLite). ``put_nowait`` is for synchronous
callers on the event loop (the AMI protocol's ``data_received``); ``submit`` is the
``EventSink`` port for other tasks (AGI server, API, dispatch). Resync views are turned into
events here, against the call as the processor has it at that point of the stream.

Nothing is dropped because the database is away: AMI has no replay, so an item that fails
with an outage (``outage.is_outage``: connection refused or lost, PostgreSQL shutting down or
starting) stays at the head of the queue and is tried again with exponential backoff
(``retry_initial`` doubling up to ``retry_max`` seconds) until the database answers; the items
behind it wait in memory, in order, so every call's events are still applied in arrival order.
What already went through before the failure is not applied twice (the processor skips a
``source_id`` already on the timeline). The memory is bounded: past ``max_backlog`` items
waiting, a new item is dropped, counted in ``stats.dropped`` and logged at ERROR (the
reconciliation from the PBX's own logs fills those calls in). ``metrics()`` gives the backlog,
the age of the oldest waiting item, retries and drops for ``/metrics``.

An item that fails for another reason (a fault of the item or of the code) is retried once on
its own, then logged and counted in ``stats.failed``; the worker goes on with the next one.
``close()`` processes everything already queued before returning. With a ``gate``
(``priority.py``, ``callcenter agi`` only) the next batch waits while FastAGI answers are in
progress, for a bounded time; the order is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from callcenter.domain.events import CallEvent, Clock
from callcenter.domain.resync import LostCallView, PbxCallView, plan_lost, plan_resync
from callcenter.pipeline.outage import is_outage
from callcenter.pipeline.priority import CallersFirst
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
    retries: int = 0  # tries again after an outage
    outages: int = 0  # outages seen (each counted once, however many retries)
    dropped: int = 0  # items refused because max_backlog items were already waiting
    lag_ms_last: float = 0.0
    lag_ms_max: float = 0.0


class _OutageError(Exception):
    """The database is away; ``done`` items of the batch went through before it failed."""

    def __init__(self, done: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.done = done
        self.error = error


class OrderedRunner:
    def __init__(
        self,
        processor: CallProcessor,
        *,
        measure_lag: bool = True,
        batch_size: int = 500,
        max_backlog: int = 50_000,
        retry_initial: float = 0.2,
        retry_max: float = 5.0,
        outage: Callable[[BaseException], bool] = is_outage,
        gate: CallersFirst | None = None,
    ) -> None:
        self.processor = processor
        # callers first (priority.py): a batch waits while FastAGI answers are in progress
        self.gate = gate
        self.batch_size = batch_size
        self.max_backlog = max_backlog
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.is_outage = outage
        self.stats = RunnerStats()
        self.measure_lag = measure_lag
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._enqueued: deque[float] = deque()  # monotonic put time of each queued item
        self._inflight: list[float] = []  # put times of the batch being processed
        self._down_since: float | None = None
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="runner")

    def put_nowait(self, item: Item) -> None:
        if self.backlog() >= self.max_backlog:
            self._drop(item)
            return
        self.stats.queued += 1
        self._enqueued.append(time.monotonic())
        self._queue.put_nowait(item)

    async def submit(self, event: CallEvent) -> None:
        self.put_nowait(event)

    def backlog(self) -> int:
        """Items put and not yet processed (the batch being tried included)."""
        return self._queue.qsize() + len(self._inflight)

    def oldest_age(self) -> float:
        """Seconds the oldest unprocessed item has waited (0 when none waits)."""
        if self._inflight:
            oldest = self._inflight[0]
        elif self._enqueued:
            oldest = self._enqueued[0]
        else:
            return 0.0
        return max(0.0, time.monotonic() - oldest)

    def metrics(self) -> dict[str, float]:
        """The runner's part of the bridge counters (``/metrics``)."""
        s = self.stats
        return {
            "processed": s.processed,
            "failed": s.failed,
            "inferred": s.inferred,
            "backlog": self.backlog(),
            "backlog_oldest_seconds": round(self.oldest_age(), 3),
            "backlog_max": self.max_backlog,
            "retries": s.retries,
            "outages": s.outages,
            "dropped": s.dropped,
            "store_down": 1.0 if self._down_since is not None else 0.0,
        }

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

    def _drop(self, item: Item) -> None:
        self.stats.dropped += 1
        dropped = self.stats.dropped
        if dropped == 1 or dropped % 1000 == 0:
            log.error(
                "pipeline backlog full (%d items waiting, oldest %.0f s): dropped %s of call %s "
                "(%d dropped so far; the reconciliation from the PBX logs must fill them in)",
                self.backlog(),
                self.oldest_age(),
                type(item).__name__,
                item.call_id,
                dropped,
            )

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            self._inflight = [self._enqueued.popleft()]  # counted in the backlog while held
            if self.gate is not None:
                await self.gate.wait_turn()
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                self._inflight.append(self._enqueued.popleft())
            try:
                await self._deliver(batch)
            finally:
                self._inflight = []
                for _ in batch:
                    self._queue.task_done()

    async def _deliver(self, batch: list[Item]) -> None:
        """Process ``batch``; through an outage, hold it and try again until it goes through."""
        delay = self.retry_initial
        while True:
            try:
                await self._process_batch(batch)
            except _OutageError as outage:
                batch = batch[outage.done :]
                self._inflight = self._inflight[outage.done :]
                self._note_outage(outage.error, len(batch))
                self.stats.retries += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            if self._down_since is not None:
                log.warning(
                    "the database is back after %.1f s; the %d events held are being written",
                    time.monotonic() - self._down_since,
                    self.backlog(),
                )
                self._down_since = None
            return

    def _note_outage(self, error: BaseException, holding: int) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.stats.outages += 1
            log.warning(
                "the database is unavailable (%s: %s); holding %d events and trying again",
                type(error).__name__,
                error,
                holding + self._queue.qsize(),
            )

    async def _process_batch(self, batch: list[Item]) -> None:
        """What is waiting goes in one transaction; if that fails, one item at a time.

        Raises ``_OutageError`` when the database is away (nothing of the batch is lost then)."""
        self.stats.batches += 1
        counted = self.stats.processed, self.stats.inferred
        try:
            async with self.processor.batch():
                # the batch's calls not in the processor's cache: one query, not one each
                await self.processor.prefetch(item.call_id for item in batch)
                for item in batch:
                    await self.process(item)
            return
        except Exception as error:
            # nothing of the batch was stored: it is counted when it goes through
            self.stats.processed, self.stats.inferred = counted
            if self.is_outage(error):
                raise _OutageError(0, error) from error
            if len(batch) == 1:
                self.stats.failed += 1
                log.exception("could not process %r", batch[0])
                return
            log.warning("a batch of %d failed; retrying one by one", len(batch), exc_info=True)
        for index, item in enumerate(batch):
            try:
                await self.process(item)
            except Exception as error:
                if self.is_outage(error):
                    raise _OutageError(index, error) from error
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
