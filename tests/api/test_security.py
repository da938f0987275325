"""API hardening over HTTP: failed-login throttling (memory and the real Redis), who may read
/metrics, and the request size limits."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from callcenter.live.memory import MemoryLog
from callcenter.settings import ApiSettings, RedisSettings
from callcenter.storage.store import TimelineStore
from tests.api.logs import REDIS_URL
from tests.api.room import PASSWORD, Room, build_room, client, serve


def limits(**kwargs: object) -> ApiSettings:
    base: dict[str, object] = {
        "login_failures_per_user": 3,
        "login_failures_per_address": 100,
        "login_window_seconds": 60,
    }
    return ApiSettings.model_validate(base | kwargs)


async def login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await http.post("/auth/token", data={"username": username, "password": password})


def metric(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{line_start} not in /metrics")


async def test_failed_logins_per_user_answer_429_the_same_for_unknown_users(
    sqlite_store: TimelineStore,
) -> None:
    room = await build_room(sqlite_store, MemoryLog(), api=limits())
    async with serve(room.app) as base, client(base) as http:
        for name in ("op3", "ghost"):  # an existing user and one that does not exist
            for _ in range(3):
                assert (await login(http, name, "wrong")).status_code == 401
        known, unknown = await login(http, "op3", PASSWORD), await login(http, "ghost", "x")
        for refused in (known, unknown):  # even the right password: the lock holds
            assert refused.status_code == 429
            assert refused.json() == {"detail": "too many failed logins: try again later"}
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # another user from the same address is not affected
        assert (await login(http, "op4", PASSWORD)).status_code == 200
        text = (await http.get("/metrics", headers=room.headers("sup"))).text
        assert metric(text, "callcenter_login_failures_total") == 6
        assert metric(text, 'callcenter_login_refused_total{scope="user"}') == 2


async def test_a_good_login_forgets_the_users_failures(sqlite_store: TimelineStore) -> None:
    room = await build_room(sqlite_store, MemoryLog(), api=limits())
    async with serve(room.app) as base, client(base) as http:
        for _ in range(2):
            assert (await login(http, "op3", "wrong")).status_code == 401
        assert (await login(http, "op3", PASSWORD)).status_code == 200
        for _ in range(2):
            assert (await login(http, "op3", "wrong")).status_code == 401
        assert (await login(http, "op3", PASSWORD)).status_code == 200


async def test_failed_logins_per_address(sqlite_store: TimelineStore) -> None:
    room = await build_room(
        sqlite_store,
        MemoryLog(),
        api=limits(login_failures_per_user=0, login_failures_per_address=4),
    )
    async with serve(room.app) as base, client(base) as http:
        for name in ("a", "b", "c", "d"):
            assert (await login(http, name, "wrong")).status_code == 401
        refused = await login(http, "op3", PASSWORD)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        text = (await http.get("/metrics", headers=room.headers("sup"))).text
        assert metric(text, 'callcenter_login_refused_total{scope="address"}') == 1


@pytest.fixture
async def login_prefix() -> AsyncIterator[str]:
    prefix = f"test:login:{uuid.uuid4().hex}"
    yield prefix
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.mark.redis
async def test_two_api_instances_share_the_failures_through_redis(
    sqlite_store: TimelineStore, login_prefix: str
) -> None:
    # two apps, each with its own throttle and Redis connections: only Redis is shared
    shared = RedisSettings(url=REDIS_URL, login_prefix=login_prefix)
    a = await build_room(sqlite_store, MemoryLog(), api=limits(), redis=shared)
    b = await build_room(sqlite_store, MemoryLog(), api=limits(), redis=shared)
    async with (
        serve(a.app) as base_a,
        serve(b.app) as base_b,
        client(base_a) as http_a,
        client(base_b) as http_b,
    ):
        assert (await login(http_a, "op3", "wrong")).status_code == 401
        assert (await login(http_b, "op3", "wrong")).status_code == 401
        assert (await login(http_a, "op3", "wrong")).status_code == 401
        for http in (http_a, http_b):
            assert (await login(http, "op3", PASSWORD)).status_code == 429
        redis = Redis.from_url(REDIS_URL)
        try:
            keys = [k async for k in redis.scan_iter(match=f"{login_prefix}*")]
        finally:
            await redis.aclose()
        assert keys, "the counters live in Redis"
        assert all(b"op3" not in key for key in keys), "user names are hashed"
        assert (await login(http_b, "op4", PASSWORD)).status_code == 200


async def test_redis_down_falls_back_to_memory(sqlite_store: TimelineStore) -> None:
    dead = RedisSettings(url=f"redis://127.0.0.1:{closed_port()}/0")
    room = await build_room(sqlite_store, MemoryLog(), api=limits(), redis=dead)
    async with serve(room.app) as base, client(base) as http:
        assert (await login(http, "op4", PASSWORD)).status_code == 200
        for _ in range(3):
            assert (await login(http, "op3", "wrong")).status_code == 401
        assert (await login(http, "op3", PASSWORD)).status_code == 429
        text = (await http.get("/metrics", headers=room.headers("sup"))).text
        assert metric(text, "callcenter_login_throttle_storage_errors") > 0


def closed_port() -> int:
    """A local port nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


async def test_metrics_need_the_metrics_token_or_a_supervisor(sqlite_store: TimelineStore) -> None:
    settings = ApiSettings(metrics_token=SecretStr("scrape-me-0123456789"))
    room = await build_room(sqlite_store, MemoryLog(), api=settings)
    async with serve(room.app) as base, client(base) as http:
        assert (await http.get("/metrics")).status_code == 401
        bad = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert bad.status_code == 401
        good = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
        assert good.status_code == 200 and "callcenter_calls_waiting" in good.text
        for user, code in (("sup", 200), ("adm", 200), ("op3", 403), ("aud", 403)):
            assert (await http.get("/metrics", headers=room.headers(user))).status_code == code


def test_a_short_metrics_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        ApiSettings(metrics_token=SecretStr("short"))


async def test_metrics_are_open_in_demo_mode_without_a_token(sqlite_store: TimelineStore) -> None:
    room = await build_room(sqlite_store, MemoryLog(), demo=True)
    async with serve(room.app) as base, client(base) as http:
        assert (await http.get("/metrics")).status_code == 200
    token = ApiSettings(metrics_token=SecretStr("scrape-me-0123456789"))
    room = await build_room(sqlite_store, MemoryLog(), demo=True, api=token)
    async with serve(room.app) as base, client(base) as http:
        assert (await http.get("/metrics")).status_code == 401


async def test_large_bodies_are_refused_with_413(sqlite_store: TimelineStore) -> None:
    room = await build_room(sqlite_store, MemoryLog(), api=ApiSettings(max_body_bytes=10_000))
    big = {"username": "x" * 20_000, "password": PASSWORD, "role": "auditor"}
    async with serve(room.app) as base, client(base) as http:
        declared = await http.post("/users", json=big, headers=room.headers("adm"))
        assert declared.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(20):
                yield b"username=" + b"x" * 1000

        streamed = await http.post(
            "/auth/token",
            content=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert streamed.status_code == 413
        small = await http.post(
            "/users",
            json={"username": "aud2", "password": PASSWORD, "role": "auditor"},
            headers=room.headers("adm"),
        )
        assert small.status_code != 413


async def test_oversized_headers_are_refused(room: Room, base: str) -> None:
    async with client(base) as http:
        large = await http.get("/healthz", headers={"X-Padding": "x" * 12_000})
        assert large.status_code == 431
        assert large.json() == {"detail": "request headers too large"}
        # far too large: uvicorn's parser answers 400 and closes, maybe before reading it all
        try:
            huge = await http.get("/healthz", headers={"X-Padding": "x" * 1_000_000})
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            pass
        else:
            assert 400 <= huge.status_code < 500
    async with client(base) as http:
        ok = await http.get("/healthz", headers={"X-Padding": "x" * 4_000})
        assert ok.status_code == 200


async def test_websocket_handshakes_with_oversized_headers_are_refused(
    room: Room, base: str
) -> None:
    token = room.headers("sup")["Authorization"][7:]
    url = base.replace("http://", "ws://") + f"/live/supervisor?token={token}"
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            url,
            additional_headers={f"X-Padding-{i}": "x" * 4_000 for i in range(3)},
            open_timeout=5,
        )
    assert refused.value.response.status_code == 403
    async with connect(url, open_timeout=5, close_timeout=2) as ws:
        assert '"hello"' in str(await ws.recv())
