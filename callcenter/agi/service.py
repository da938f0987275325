"""Composition of the FastAGI service from Settings: for ``callcenter agi`` and ``serve``.

``build_agi_server`` wires the qualify route to a store and an ``EventSink``; ``callcenter
serve`` passes the AMI bridge's ordered runner as the sink, ``callcenter agi`` alone (``run_agi``)
uses the processor directly (``ProcessorSink``).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.agi.admission import RoomLedger
from callcenter.agi.lookups import StoreLookups
from callcenter.agi.qualify import QualifyConfig, QualifyRoute
from callcenter.agi.server import FastAgiServer
from callcenter.agi.sink import ProcessorSink
from callcenter.pipeline.ports import EventSink, NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.settings import AgiSettings, Settings

log = logging.getLogger(__name__)


def build_agi_server(settings: AgiSettings, engine: AsyncEngine, sink: EventSink) -> FastAgiServer:
    route = QualifyRoute(
        StoreLookups(engine),
        RoomLedger(settings.room_capacity),
        sink,
        QualifyConfig(
            region=settings.default_region,
            repeat_window_minutes=settings.repeat_window_minutes,
        ),
    )
    return FastAgiServer(
        {"qualify": route},
        host=settings.host,
        port=settings.port,
        budget=settings.budget_ms / 1000,
        retry_wait=settings.retry_wait_seconds,
    )


def warn_if_loopback(settings: Settings) -> None:
    """A FastAGI server on the loopback is reachable only by an Asterisk on this machine: say
    so, since the dialplan's CALLCENTER_HOST names another host and its calls fail open."""
    host = settings.agi.host
    if not settings.demo and (host == "localhost" or host.startswith("127.") or host == "::1"):
        log.warning(
            "FastAGI listens on %s: only an Asterisk on this machine reaches it. Set "
            "CALLCENTER_AGI__HOST to the address CALLCENTER_HOST names in extensions.conf",
            host,
        )


async def run_agi(settings: Settings) -> None:
    """The FastAGI server alone, recording decisions straight through the processor."""
    from callcenter.app import open_store  # the composition root owns the engine's lifetime

    async with open_store(settings, migrate=True) as store:
        sink = ProcessorSink(CallProcessor(store, NullNotifier()))
        server = build_agi_server(settings.agi, store.engine, sink)
        await server.start()
        # Our own handlers: a background job inherits an ignored SIGINT, so we never rely on
        # KeyboardInterrupt to stop.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        warn_if_loopback(settings)
        # the line a supervisor waits for: from now on SIGTERM stops it cleanly
        print(f"callcenter agi: FastAGI on {settings.agi.host}:{server.port}", flush=True)
        try:
            await stop.wait()
            log.info("callcenter agi: stopping")
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await server.close()
            await sink.close()
