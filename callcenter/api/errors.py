"""HTTP status codes for callcenter's errors (the only place that maps them)."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
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


def writable(value: Any) -> Any:
    """``value`` made writable as strict JSON in UTF-8: a validation error echoes the input, and
    Python's JSON reader accepts NaN, Infinity, 1e999 (inf) and lone surrogates that no JSON
    writer may send back (they used to turn a 422 into a 500)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # 'nan', 'inf', '-inf'
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {writable(k): writable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [writable(v) for v in value]
    return value


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CallcenterError)
        code = status_for(exc)
        log.warning("%s %s refused (%s): %s", request.method, request.url.path, code, exc)
        return JSONResponse({"detail": str(exc)}, status_code=code)

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": writable(jsonable_encoder(exc.errors()))}, status_code=422)

    app.add_exception_handler(CallcenterError, handle)
    app.add_exception_handler(RequestValidationError, invalid)
