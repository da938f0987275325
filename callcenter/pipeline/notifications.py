"""Live notification behind a queue: publishing can never fail or slow the pipeline.

``NotificationQueue`` is the processor's ``Notifier``: ``notify`` only puts the message on a
bounded queue and returns (it never waits and never raises). One worker task hands the
messages, in order, to the real notifier (the live hub, whose log may be Redis); what waits
goes out together (up to ``batch_size``) when the notifier takes batches (``notify_many``: one
write to the log, one Redis round trip, instead of one per message). When the queue
is full the message is dropped, counted in ``stats.dropped`` and logged (the first drop of a
run of drops, then every ``log_every``-th); a publish that fails or exceeds ``timeout`` is
counted in ``stats.failed`` and logged the same way, and the worker goes on. Live clients miss
a dropped message but never the timeline, which the pipeline has already committed: they catch
up from ``GET /calls/{id}/timeline``.

Two queues, two jobs: this one keeps the pipeline from ever waiting on the live log; the live
hub's own (``callcenter.live.hub``) keeps, in order, what the log could not take while it was
down. ``timeout`` (30 s) is longer than the Redis log's own deadline (5 s), so a slow log is
the hub's to handle; it only bounds a notifier that would hang without one.

``start()`` before use, ``close(grace)`` at shutdown: it publishes what is queued within
``grace`` seconds, then counts the rest as dropped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from callcenter.domain.effects import NotifyClients
from callcenter.pipeline.ports import BatchNotifier, Notifier

log = logging.getLogger(__name__)


@dataclass
class NotificationStats:
    queued: int = 0
    published: int = 0
    dropped: int = 0
    failed: int = 0


class NotificationQueue:
    def __init__(
        self,
        notifier: Notifier,
        *,
        maxsize: int = 10_000,
        timeout: float = 30.0,
        log_every: int = 1000,
        batch_size: int = 500,
    ) -> None:
        self.notifier = notifier
        self.batch_size = batch_size
        self.timeout = timeout
        self.log_every = log_every
        self.stats = NotificationStats()
        self._queue: asyncio.Queue[NotifyClients] = asyncio.Queue(maxsize)
        self._worker: asyncio.Task[None] | None = None
        self._dropping = False
        self._failing = False

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._work(), name="live-notifications")

    async def notify(self, message: NotifyClients) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self._drop(message)
            return
        self.stats.queued += 1
        self._dropping = False

    def backlog(self) -> int:
        return self._queue.qsize()

    async def drain(self) -> None:
        """Wait until every message queued so far has been published (or failed)."""
        await self._queue.join()

    async def close(self, grace: float = 10.0) -> None:
        if self._worker is None:
            return
        try:
            async with asyncio.timeout(grace):
                await self._queue.join()
        except TimeoutError:
            left = self._queue.qsize()
            self.stats.dropped += left
            log.error("live notifications: %d not published at shutdown", left)
        self._worker.cancel()
        await asyncio.gather(self._worker, return_exceptions=True)
        self._worker = None

    def _drop(self, message: NotifyClients) -> None:
        self.stats.dropped += 1
        if not self._dropping or self.stats.dropped % self.log_every == 0:
            log.warning(
                "live notifications: queue full (%d), dropped %s %s for call %s "
                "(%d dropped so far)",
                self._queue.maxsize,
                message.topic,
                message.kind,
                message.call_id,
                self.stats.dropped,
            )
        self._dropping = True

    async def _work(self) -> None:
        batched = isinstance(self.notifier, BatchNotifier)
        while True:
            batch = [await self._queue.get()]
            # What waits goes out in one write to the live log (one Redis round trip).
            while batched and len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with asyncio.timeout(self.timeout):
                    if isinstance(self.notifier, BatchNotifier):
                        await self.notifier.notify_many(batch)
                    else:
                        await self.notifier.notify(batch[0])
                self.stats.published += len(batch)
                self._failing = False
            except Exception:
                self.stats.failed += len(batch)
                if not self._failing or self.stats.failed % self.log_every < len(batch):
                    first = batch[0]
                    log.exception(
                        "live notifications: publishing %s %s for call %s failed "
                        "(%d failed so far)",
                        first.topic,
                        first.kind,
                        first.call_id,
                        self.stats.failed,
                    )
                self._failing = True
            finally:
                for _ in batch:
                    self._queue.task_done()
