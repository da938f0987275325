"""X-Forwarded-For is believed only from proxies configured in ``api.trusted_proxies``.

Served by the room's own ``api_server`` (the uvicorn configuration ``callcenter serve`` uses):
a local client claiming a new address on every failed login still meets the per-address limit.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from callcenter.api.proxies import proxy_options
from callcenter.assembly.api import api_server
from callcenter.settings import ApiSettings, Settings
from callcenter.storage.store import TimelineStore
from tests.api.room import SECRET, Room


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def served(room: Room, api: ApiSettings) -> AsyncIterator[str]:
    settings = Settings(api=api)
    server = api_server(settings, room.services)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{api.port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task


def limits(**kwargs: object) -> ApiSettings:
    return ApiSettings(
        port=free_port(),
        jwt_secret=SecretStr(SECRET),
        stats_interval=None,
        login_failures_per_user=0,
        login_failures_per_address=3,
        **kwargs,  # type: ignore[arg-type]
    )


async def failed_logins(base: str) -> list[int]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        return [
            (
                await http.post(
                    "/auth/token",
                    data={"username": f"nobody{n}", "password": "wrong"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                )
            ).status_code
            for n in range(5)
        ]


async def test_forwarded_addresses_are_ignored_by_default(
    room: Room, sqlite_store: TimelineStore
) -> None:
    async with served(room, limits()) as base:
        assert await failed_logins(base) == [401, 401, 401, 429, 429]


async def test_a_configured_proxy_is_believed(room: Room, sqlite_store: TimelineStore) -> None:
    async with served(room, limits(trusted_proxies=["127.0.0.0/8"])) as base:
        assert await failed_logins(base) == [401] * 5


def test_proxy_options_are_always_explicit() -> None:
    assert proxy_options(ApiSettings()) == {"proxy_headers": False, "forwarded_allow_ips": []}
    with pytest.raises(ValueError, match="not an IP address"):
        ApiSettings(trusted_proxies=["*"])
