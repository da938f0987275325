"""Refuse requests whose header block is too large: 431 before any route runs.

The body limit is FastAPI's own (``FastAPI(max_body_size=...)``: 413, counted as the body
arrives, chunked or not). Headers need this: uvicorn's h11 parser only refuses a header block
over 16 KiB while it is still incomplete, so a large one that arrives in one read goes through.
Websocket handshakes with too large headers are closed before they are accepted (HTTP 403).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class HeaderLimit:
    def __init__(self, app: ASGIApp, *, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._fits(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1009})
            return
        body = json.dumps({"detail": "request headers too large"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 431,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _fits(self, scope: Scope) -> bool:
        size = 0
        for name, value in scope["headers"]:
            size += len(name) + len(value) + 4  # ": " and CRLF, as on the wire
            if size > self.max_header_bytes:
                return False
        return True
