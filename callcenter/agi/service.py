"""The FastAGI service built from its settings: for ``callcenter agi`` and ``serve``.

``build_agi_server`` wires the qualify route to a store and an ``EventSink``; ``callcenter
serve`` passes the AMI bridge's ordered runner as the sink, ``callcenter agi`` alone
(``callcenter.assembly.agi``) gives it an ordered runner of its own.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.agi.admission import RoomLedger
from callcenter.agi.lookups import StoreLookups
from callcenter.agi.qualify import QualifyConfig, QualifyRoute
from callcenter.agi.server import FastAgiServer
from callcenter.pipeline.ports import EventSink
from callcenter.pipeline.priority import CallersFirst
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
        gate=CallersFirst(max_hold=settings.callers_first_ms / 1000),
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
