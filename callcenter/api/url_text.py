"""Refuse control characters in the URL (path and query) before any route runs: 422.

Path segments and query values become database parameters (a call id, a seat, a number to
search) and PostgreSQL refuses NUL in text, which used to surface as a 500. No route takes a
control character, a lone surrogate or a bidi control in its URL, so they are refused here
for every route at once, present and future, with the same message as a refused JSON field.
A websocket handshake with such a URL is closed with 1008 (policy violation) before it is
accepted.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from callcenter.api.text import refusal


def url_refusal(scope: Scope) -> str | None:
    """Why the request's path or query is refused (None: accepted)."""
    reason = refusal(str(scope.get("path", "")))
    if reason is not None:
        return f"the path {reason}"
    query = bytes(scope.get("query_string", b"")).decode("utf-8", "replace")
    for name, value in parse_qsl(query, keep_blank_values=True):
        for text, what in ((name, "a query parameter name"), (value, f"query parameter {name!r}")):
            reason = refusal(text)
            if reason is not None:
                return f"{what} {reason}"
    return None


class UrlTextGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = url_refusal(scope) if scope["type"] in ("http", "websocket") else None
        if reason is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        # ensure_ascii: the reason names the character as U+XXXX, never echoes it raw.
        body = json.dumps({"detail": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
