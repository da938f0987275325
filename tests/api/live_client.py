"""A small websocket client for the live feeds (the `websockets` library's asyncio client)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class Feed:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def recv(self, wait: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(wait):
            message = json.loads(await self.ws.recv())
        assert isinstance(message, dict)
        return message

    async def event(self, wait: float = 5.0) -> dict[str, Any]:
        """The next message, which must be an event."""
        message = await self.recv(wait)
        assert message["type"] == "event", message
        return message


@asynccontextmanager
async def feed(
    base: str, name: str, token: str, after: int | None = None
) -> AsyncIterator[tuple[Feed, dict[str, Any]]]:
    """Connect to /live/<name>; yields the feed and its hello message."""
    url = base.replace("http://", "ws://") + f"/live/{name}?token={token}"
    if after is not None:
        url += f"&after={after}"
    async with asyncio.timeout(5):
        ws = await connect(url, open_timeout=5, close_timeout=2)
    try:
        f = Feed(ws)
        hello = await f.recv()
        yield f, hello
    finally:
        await ws.close()
