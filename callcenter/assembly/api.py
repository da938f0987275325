"""What every process that serves the API builds the same way: its live log, its ``Services``
and its uvicorn server.

The room (``callcenter.assembly.room``) and the API-only process
(``callcenter.assembly.api_process``) differ only in the ports they hand in: local PBX
control, seat board and runner in the room; their Redis-backed stand-ins in an API process.
"""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from callcenter.api.app import create_app
from callcenter.api.ports import HandOff, Services
from callcenter.api.proxies import proxy_options
from callcenter.auth.passwords import Passwords
from callcenter.auth.throttle import LoginThrottle
from callcenter.auth.tokens import Tokens, signing_secret
from callcenter.live.hub import LiveHub
from callcenter.live.memory import MemoryLog
from callcenter.live.messages import FeedLog
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.pipeline.ports import DispatchDesk, EventSink, PbxControl, SeatBoard
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore


def live_log(settings: Settings) -> FeedLog:
    """The live log: a Redis Stream shared by every process, or memory for one process."""
    if settings.redis.url:
        return RedisStreamLog.from_url(settings.redis.url, key=settings.redis.live_stream)
    return MemoryLog()


def services(
    settings: Settings,
    store: TimelineStore,
    *,
    hub: LiveHub,
    pbx: PbxControl,
    seats: SeatBoard,
    events: EventSink,
    dispatch: DispatchDesk,
    handoff: HandOff,
    pbx_connected: Callable[[], bool] | None,
    counters: Callable[[], dict[str, int]],
    agi_idle: Callable[[], float | None] | None = None,
) -> Services:
    """The API's ports; users, tokens and passwords are the same in every process."""
    return Services(
        store=store,
        users=UserStore(store.engine),
        tokens=Tokens(
            signing_secret(settings.api.jwt_secret.get_secret_value(), demo=settings.demo)
        ),
        passwords=Passwords(),
        hub=hub,
        pbx=pbx,
        seats=seats,
        events=events,
        dispatch=dispatch,
        handoff=handoff,
        pbx_connected=pbx_connected,
        counters=counters,
        agi_idle=agi_idle,
        agi_ready_within=settings.agi.ready_within_seconds,
        sla_answer_seconds=settings.room.sla_answer_seconds,
    )


def api_server(settings: Settings, services: Services) -> uvicorn.Server:
    """The API under uvicorn, as configured (the room's, or an API-only process's)."""
    app = create_app(
        services,
        jwt_secret=settings.api.jwt_secret.get_secret_value(),
        demo=settings.demo,
        stats_interval=settings.api.stats_interval,
        api=settings.api,
        redis=settings.redis,
        room_settings=settings.room,
        phone=settings.phone,
        incident_types=settings.dispatch.incident_types,
        throttle=LoginThrottle.from_settings(settings.api, settings.redis),
        wallboard=settings.wallboard,
    )
    config = uvicorn.Config(
        app,
        host=settings.api.host,
        port=settings.api.port,
        log_level="info",
        lifespan="on",
        log_config=LOGGING_CONFIG if settings.demo else None,
        **proxy_options(settings.api),
    )
    return uvicorn.Server(config)
