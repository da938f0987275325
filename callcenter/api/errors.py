"""HTTP status codes for callcenter's errors (the only place that maps them)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from callcenter.errors import (
    BridgeTimeoutError,
    BridgeUnavailableError,
    CallcenterError,
    PbxError,
    PbxRejectedError,
    PbxTimeoutError,
    PbxUnavailableError,
    UnsafeActionError,
)

log = logging.getLogger(__name__)


def status_for(exc: CallcenterError) -> int:
    if isinstance(exc, UnsafeActionError):
        return 422  # the request's text would have broken the AMI framing: nothing was sent
    if isinstance(exc, PbxTimeoutError | BridgeTimeoutError):
        return 504
    if isinstance(exc, PbxUnavailableError | BridgeUnavailableError):
        return 503
    if isinstance(exc, PbxRejectedError | PbxError):
        return 502
    return 409


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CallcenterError)
        code = status_for(exc)
        log.warning("%s %s refused (%s): %s", request.method, request.url.path, code, exc)
        return JSONResponse({"detail": str(exc)}, status_code=code)

    app.add_exception_handler(CallcenterError, handle)
