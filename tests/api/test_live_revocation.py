"""An open live feed does not outlive its user's access: it closes with 4401 when the token
expires and as soon as the user is disabled, on every API process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from websockets.exceptions import ConnectionClosed

from callcenter.api import live
from callcenter.auth.roles import Role
from callcenter.auth.tokens import Identity
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.api.live_client import Feed, feed
from tests.api.logs import redis_log
from tests.api.room import Room, build_room, client, serve


async def closed_with(on: Feed, wait: float) -> tuple[int | None, list[str]]:
    """Read until the server closes; the close code and the types of what came before."""
    seen: list[str] = []
    try:
        async with asyncio.timeout(wait):
            while True:
                seen.append((await on.recv(wait))["type"])
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), seen
    except TimeoutError:
        return None, seen


@pytest.fixture(autouse=True)
def slow_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    # Far beyond each test's wait, so only the push (or the expiry timer) can close a feed.
    monkeypatch.setattr(live, "RECHECK_SECONDS", 60.0)


async def test_disabling_a_user_closes_their_open_feeds_at_once(room: Room, base: str) -> None:
    async with (
        feed(base, "operator", room.token("op3", Role.OPERATOR, "Seat 03")) as (mine, _),
        feed(base, "supervisor", room.token("sup", Role.SUPERVISOR)) as (other, _),
        client(base) as http,
    ):
        r = await http.post("/users/op3/disable", headers=room.headers("adm"))
        assert r.status_code == 200, r.text
        code, seen = await closed_with(mine, 3)
        assert code == 4401
        assert seen == ["error"]
        # Someone else's feed goes on, and never sees the access change itself.
        await http.post("/seats/me/pause", json={"reason": "x"}, headers=room.headers("op4"))
        assert (await other.event())["topic"] == "seat"


async def test_a_feed_closes_when_its_token_expires(room: Room, base: str) -> None:
    ttl = room.tokens.ttl
    soon = datetime.now(UTC) - ttl + timedelta(seconds=1.5)
    token = room.tokens.issue(Identity(username="sup", role=Role.SUPERVISOR), now=soon)
    async with feed(base, "supervisor", token) as (on, _):
        code, seen = await closed_with(on, 5)
    assert code == 4401
    assert seen == ["error"]


async def test_a_disable_written_elsewhere_is_seen_at_the_next_recheck(
    room: Room, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.3)
    async with feed(base, "supervisor", room.token("sup", Role.SUPERVISOR)) as (on, _):
        # What `callcenter users disable` does: the database only, no API process told.
        assert await UserStore(room.services.store.engine).set_disabled("sup")
        code, _seen = await closed_with(on, 3)
    assert code == 4401


@pytest.mark.redis
async def test_a_disable_on_one_api_process_closes_feeds_on_another(
    sqlite_store: TimelineStore,
) -> None:
    async with redis_log() as log_a, redis_log(key=log_a.key) as log_b:
        room_a = await build_room(sqlite_store, log_a)
        room_b = await build_room(sqlite_store, log_b)
        async with (
            serve(room_a.app) as a,
            serve(room_b.app) as b,
            feed(b, "operator", room_b.token("op3", Role.OPERATOR, "Seat 03")) as (on_b, _),
            client(a) as http_a,
        ):
            r = await http_a.post("/users/op3/disable", headers=room_a.headers("adm"))
            assert r.status_code == 200, r.text
            code, seen = await closed_with(on_b, 3)
    assert code == 4401
    assert seen == ["error"]
