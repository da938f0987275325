"""``callcenter agi``: the FastAGI call-entry server alone, recording decisions straight
through the processor (``callcenter serve`` runs it inside the room, on the bridge's runner).

Lifecycle, as the room's: ``async with process: await process.serve(stop)``; leaving closes the
server, then applies what its runner still holds (within ``drain_timeout``). The runner is an
``OrderedRunner`` of its own: ``submit`` only enqueues, so an AGI answer never waits for a write,
and the runner waits while answers are in progress (``pipeline/priority.py``: callers first).
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Self

from callcenter.agi.service import build_agi_server, warn_if_loopback
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore

log = logging.getLogger(__name__)


class AgiProcess:
    def __init__(
        self, settings: Settings, store: TimelineStore, *, drain_timeout: float = 10.0
    ) -> None:
        self.settings = settings
        self.drain_timeout = drain_timeout
        self.runner = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False)
        self.server = build_agi_server(settings.agi, store.engine, self.runner)
        if settings.agi.callers_first_ms:  # callers first (pipeline/priority.py)
            self.runner.gate = self.server.gate

    async def __aenter__(self) -> Self:
        self.runner.start()
        await self.server.start()
        warn_if_loopback(self.settings)
        # the line a supervisor waits for: from now on SIGTERM stops it cleanly
        print(f"callcenter agi: FastAGI on {self.settings.agi.host}:{self.server.port}", flush=True)
        return self

    async def serve(self, stop: asyncio.Event) -> None:
        await stop.wait()
        log.info("callcenter agi: stopping")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.server.close()
        try:
            await asyncio.wait_for(self.runner.close(), self.drain_timeout)
        except TimeoutError:
            log.error("callcenter agi: stopped with %d decisions unrecorded", self.runner.backlog())
