"""The bridge role's only HTTP: liveness, readiness and Prometheus metrics, for orchestration.

``callcenter serve --role bridge`` serves no API; these three routes (on ``CALLCENTER_API__HOST``
/``__PORT``) say whether it runs, whether its database, Redis and AMI link are up, and its
counters (the bridge and pipeline's, the command server's).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from callcenter.api.proxies import proxy_options
from callcenter.remote.bridge_side import BridgeChannel
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore

log = logging.getLogger(__name__)


def bridge_ops_app(
    store: TimelineStore,
    channel: BridgeChannel | None,
    *,
    ami_connected: Callable[[], bool],
    counters: Callable[[], dict[str, float]],
    metrics_token: str | None = None,
    metrics_open: bool = False,
) -> FastAPI:
    """``metrics_token``: the bearer token Prometheus sends (``CALLCENTER_API__METRICS_TOKEN``);
    the bridge has no users, so without one /metrics is refused unless ``metrics_open`` (demo)."""
    app = FastAPI(title="callcenter bridge", docs_url=None, redoc_url=None, openapi_url=None)
    registry = CollectorRegistry()
    bridge = Gauge(
        "callcenter_bridge_events", "Bridge/pipeline counters", ["counter"], registry=registry
    )
    commands = Gauge(
        "callcenter_bridge_commands", "Commands from API processes", ["counter"], registry=registry
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"database": "down", "redis": "absent", "ami": "ok" if ami_connected() else "down"}
        try:
            async with asyncio.timeout(3), store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("readyz: database down: %s", exc)
        if channel is not None:
            try:
                async with asyncio.timeout(3):
                    checks["redis"] = "ok" if await channel.redis.ping() else "down"
            except (RedisError, OSError, TimeoutError):
                checks["redis"] = "down"
        ready = all(v in ("ok", "absent") for v in checks.values())
        body = {"status": "ready" if ready else "unready", **checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics(authorization: str | None = Header(default=None)) -> PlainTextResponse:
        if not metrics_open:
            if metrics_token is None:
                return PlainTextResponse(
                    "set CALLCENTER_API__METRICS_TOKEN to scrape the bridge", status_code=403
                )
            scheme, _, given = (authorization or "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.encode(), metrics_token.encode()
            ):
                return PlainTextResponse(
                    "a bearer token is required",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        for name, value in counters().items():
            bridge.labels(name).set(value)
        if channel is not None:
            for name, value in vars(channel.server.stats).items():
                commands.labels(name).set(value)
        return PlainTextResponse(generate_latest(registry), media_type="text/plain; version=0.0.4")

    return app


def bridge_ops_server(settings: Settings, app: FastAPI) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=settings.api.host,
        port=settings.api.port,
        log_level="warning",
        lifespan="off",
        **proxy_options(settings.api),
    )
    return uvicorn.Server(config)
