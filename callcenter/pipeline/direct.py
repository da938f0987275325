"""A direct in-process ``EventSink``: one ``CallProcessor``, one event at a time.

For tests, benchmarks and the dispatch console: ``submit`` returns once the event is applied
(and raises what applying it raised). The room and ``callcenter agi`` use the ordered runner
(``runner.py``), which implements the same port and only enqueues.
"""

from __future__ import annotations

import asyncio

from callcenter.domain.events import CallEvent
from callcenter.pipeline.processor import CallProcessor


class ProcessorSink:
    def __init__(self, processor: CallProcessor) -> None:
        self.processor = processor
        self._lock = asyncio.Lock()  # one writer per call: never two transitions at once

    async def submit(self, event: CallEvent) -> None:
        async with self._lock:
            await self.processor.handle(event)
