"""An ``EventSink`` for ``callcenter agi`` alone (and tests, bench): the processor behind a queue.

When the AGI runs with the AMI bridge (``callcenter serve``) the bridge's ordered runner is the
sink instead. This one does the same job on a small scale: ``submit`` only enqueues (so an AGI
answer never waits for a database write), and one worker task applies the events to
``CallProcessor.handle`` in submission order. An event that fails is logged and counted; the
worker goes on with the next. ``close`` (or ``join``) waits, with a deadline, for what is queued.
"""

from __future__ import annotations

import asyncio
import logging

from callcenter.domain.events import CallEvent
from callcenter.pipeline.processor import CallProcessor

log = logging.getLogger(__name__)


class ProcessorSink:
    def __init__(self, processor: CallProcessor, *, maxsize: int = 10_000) -> None:
        self.processor = processor
        self.failures = 0
        self._queue: asyncio.Queue[CallEvent] = asyncio.Queue(maxsize)
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, event: CallEvent) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._work(), name="processor-sink")
        await self._queue.put(event)

    async def join(self, grace: float = 10.0) -> None:
        """Wait until everything submitted so far has been applied."""
        async with asyncio.timeout(grace):
            await self._queue.join()

    async def close(self, grace: float = 10.0) -> None:
        try:
            await self.join(grace)
        except TimeoutError:
            log.error("processor sink closed with %d events unapplied", self._queue.qsize())
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                async with asyncio.timeout(30.0):
                    await self.processor.handle(event)
            except Exception:
                self.failures += 1
                log.exception(
                    "processor sink: %s for call %s failed", type(event).__name__, event.call_id
                )
            finally:
                self._queue.task_done()
