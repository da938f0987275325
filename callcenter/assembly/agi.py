"""``callcenter agi``: the FastAGI call-entry server alone, recording decisions straight
through the processor (``callcenter serve`` runs it inside the room, on the bridge's runner).

Lifecycle, as the room's: ``async with process: await process.serve(stop)``; leaving closes the
server, then applies what its sink still holds.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Self

from callcenter.agi.service import build_agi_server, warn_if_loopback
from callcenter.agi.sink import ProcessorSink
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore

log = logging.getLogger(__name__)


class AgiProcess:
    def __init__(self, settings: Settings, store: TimelineStore) -> None:
        self.settings = settings
        self.sink = ProcessorSink(CallProcessor(store, NullNotifier()))
        self.server = build_agi_server(settings.agi, store.engine, self.sink)

    async def __aenter__(self) -> Self:
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
        await self.sink.close()
