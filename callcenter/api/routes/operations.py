"""Operations: liveness, readiness (database, Redis, AMI), Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from callcenter.api.access import UNAUTHORIZED, Svc, authorize_metrics

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={
        503: {
            "description": "a dependency is down",
            "content": {
                "application/json": {
                    "example": {"status": "unready", "database": "ok", "redis": "down", "ami": "ok"}
                }
            },
        }
    },
)
async def readyz(svc: Svc) -> JSONResponse:
    """Readiness: the database answers, Redis answers (``absent`` in single-process mode), AMI
    is connected (``absent`` when this process runs no bridge). With a FastAGI server in this
    process, ``agi`` says whether the PBX reached it within ``agi.ready_within_seconds``
    (``ok``) or not (``silent``: a wrong CALLCENTER_HOST in the dialplan, or a quiet line);
    it is reported, not counted against readiness."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3), svc.store.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("readyz: database down: %s", exc)
        checks["database"] = "down"
    if svc.hub.log.shared:
        checks["redis"] = "ok" if await svc.hub.log.ping() else "down"
    else:
        checks["redis"] = "absent"  # single-process mode: live updates in memory
    if svc.pbx_connected is None:
        checks["ami"] = "absent"
    else:
        checks["ami"] = "ok" if svc.pbx_connected() else "down"
    ready = all(v in ("ok", "absent") for v in checks.values())
    if svc.agi_idle is not None:
        idle = svc.agi_idle()
        checks["agi"] = "ok" if idle is not None and idle <= svc.agi_ready_within else "silent"
    return JSONResponse(
        {"status": "ready" if ready else "unready", **checks}, status_code=200 if ready else 503
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[Depends(authorize_metrics)],
    responses=UNAUTHORIZED,
)
async def metrics(request: Request, svc: Svc) -> PlainTextResponse:
    """Prometheus text format. Send ``Authorization: Bearer <metrics token>`` (settings
    ``api.metrics_token``) or a supervisor/admin access token; open in demo mode."""
    state = request.app.state
    body = await state.metrics.scrape(svc, login_storage_errors=state.login_throttle.storage_errors)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
