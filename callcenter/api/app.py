"""The FastAPI application, built from what the composition root hands it.

``create_app`` takes every dependency as an argument (no import-time singletons) and refuses to
build with the default JWT secret outside demo mode.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from callcenter import __version__
from callcenter.api import errors
from callcenter.api.live import router as live_router
from callcenter.api.metrics import Metrics
from callcenter.api.ports import Services
from callcenter.api.routes import (
    audit,
    auth,
    calls,
    dispatch,
    operations,
    operator,
    seats,
    supervisor,
    users,
)
from callcenter.api.statsfeed import run_stats_feed
from callcenter.auth.tokens import check_secret

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
) -> FastAPI:
    check_secret(jwt_secret, demo=demo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.hub.start()
        feed = (
            asyncio.create_task(run_stats_feed(services, stats_interval), name="stats-feed")
            if stats_interval
            else None
        )
        try:
            yield
        finally:
            if feed is not None:
                feed.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feed
            await services.hub.stop()

    app = FastAPI(
        title="callcenter", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.services = services
    app.state.metrics = metrics = Metrics()
    app.middleware("http")(metrics.middleware)
    errors.install(app)
    for module in (operations, auth, calls, seats, operator, supervisor, audit, dispatch, users):
        app.include_router(module.router)
    app.include_router(live_router)
    return app
