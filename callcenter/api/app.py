"""The FastAPI application, built from what the composition root hands it.

``create_app`` takes every dependency as an argument (no import-time singletons) and refuses to
build with the default JWT secret outside demo mode. From the ``api`` settings it adds the
request size limits (413 for the body, 431 for the headers), the failed-login throttle (handed in
by the composition, ``callcenter.assembly.api``, or built from the settings; shared through
Redis when ``redis`` has a URL; its connections are closed at shutdown) and who may
read /metrics, and where the built web app is served from (``callcenter.api.webapp``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from callcenter import __version__
from callcenter.api import docs_pages, errors
from callcenter.api.access import MetricsAccess
from callcenter.api.boardfeed import BoardFeed
from callcenter.api.live import router as live_router
from callcenter.api.metrics import Metrics
from callcenter.api.ports import Services
from callcenter.api.request_limits import HeaderLimit
from callcenter.api.routes import (
    audit,
    audit_incidents,
    audit_links,
    auth,
    callbacks,
    calls,
    dispatch,
    incidents,
    operations,
    operator,
    room,
    seats,
    supervisor,
    users,
)
from callcenter.api.routes import wallboard as wallboard_routes
from callcenter.api.routes.room import RoomFacts
from callcenter.api.statsfeed import run_stats_feed
from callcenter.api.url_text import UrlTextGuard
from callcenter.api.webapp import mount_web_app
from callcenter.auth.throttle import LoginThrottle
from callcenter.auth.tokens import check_secret
from callcenter.settings import (
    ApiSettings,
    PhoneSettings,
    RedisSettings,
    RoomSettings,
    WallboardSettings,
)
from callcenter.tasks import cancel_and_wait

DESCRIPTION = """
The API of the line-19 room. Log in at `POST /auth/token` (OAuth2 password flow) and send
`Authorization: Bearer <token>`. Roles: operator (their own seat only), supervisor, auditor
(every timeline read is logged), dispatcher, admin.

Live updates: websockets `/live/operator`, `/live/supervisor`, `/live/dispatch` with
`?token=<JWT>&after=<last seq>`; every message has a global, increasing `seq`; reconnect with
the last one you got and you receive what you missed, then live updates (see `callcenter.api.live`).
"""


def create_app(
    services: Services,
    *,
    jwt_secret: str,
    demo: bool = False,
    stats_interval: float | None = None,
    api: ApiSettings | None = None,
    redis: RedisSettings | None = None,
    room_settings: RoomSettings | None = None,
    phone: PhoneSettings | None = None,
    incident_types: Sequence[str] | None = None,
    throttle: LoginThrottle | None = None,
    wallboard: WallboardSettings | None = None,
) -> FastAPI:
    """``throttle``: the failed-login throttle the composition built (the app closes it at
    shutdown); without one, it is built here from ``api`` and ``redis`` (tests)."""
    check_secret(jwt_secret, demo=demo)
    api = api or ApiSettings()
    redis = redis or RedisSettings()
    throttle = throttle or LoginThrottle.from_settings(api, redis)
    metrics_token = api.metrics_token.get_secret_value() if api.metrics_token else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.hub.start()
        feeds = (
            [
                asyncio.create_task(run_stats_feed(services, stats_interval), name="stats-feed"),
                asyncio.create_task(board_feed.run(), name="board-feed"),
            ]
            if board_feed is not None and stats_interval
            else []
        )
        try:
            yield
        finally:
            for feed in feeds:  # they write through Redis: a cancellation can be lost there
                await cancel_and_wait(feed)
            await services.hub.stop()
            await throttle.close()

    app = FastAPI(
        title="callcenter",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=api.max_body_bytes,
        docs_url=None,  # served from local assets (api/docs_pages.py), not a CDN
        redoc_url=None,
    )
    docs_pages.install(app)
    app.state.services = services
    app.state.room_facts = facts = RoomFacts.build(room_settings, phone, incident_types)
    app.state.wallboard = wallboard = wallboard or WallboardSettings()
    # The wallboard's feed runs where the statistics feed does (one process of the room).
    board_feed = (
        BoardFeed(
            services,
            wallboard,
            interval=stats_interval,
            sla_seconds=facts.room.sla_answer_seconds,
            wrapup_seconds=facts.room.wrapup_seconds or 0,
        )
        if stats_interval
        else None
    )
    app.state.board_feed = board_feed
    app.state.login_throttle = throttle
    app.state.metrics_access = MetricsAccess(token=metrics_token, open=demo and not metrics_token)
    app.state.metrics = metrics = Metrics()
    app.middleware("http")(metrics.middleware)
    app.add_middleware(UrlTextGuard)
    app.add_middleware(HeaderLimit, max_header_bytes=api.max_header_bytes)
    errors.install(app)
    routers = [operations, auth, calls, seats, operator, room, supervisor, wallboard_routes, audit]
    routers += [audit_links, audit_incidents, incidents, dispatch, users, callbacks]
    for module in routers:
        app.include_router(module.router)
    app.include_router(live_router)
    mount_web_app(app, api.web_dir)  # last: the screens' paths never shadow an API route
    return app
