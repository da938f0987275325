"""The role matrix, route by route, from the app's own route list: a route without an entry in
``ROUTE_ROLES`` fails here, and every (route, role) pair is tried over HTTP or websocket."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

from callcenter.api.access import PUBLIC, ROUTE_ROLES
from callcenter.auth.roles import Role
from tests.api.live_client import feed
from tests.api.room import BY_ROLE, Room, client


def _routes(room: Room) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(room.app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found += [(method, str(context.path)) for method in sorted(route.methods)]
        elif isinstance(route, APIWebSocketRoute):
            found.append(("WS", str(context.path)))
    assert len(found) > 30
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-thing", path)


async def test_every_route_has_a_matrix_entry_and_no_stale_entries(room: Room) -> None:
    routes = _routes(room)
    assert set(routes) == set(ROUTE_ROLES)


async def test_every_http_route_enforces_the_matrix(room: Room, base: str) -> None:
    checked = 0
    async with client(base) as http:
        for method, path in _routes(room):
            if method == "WS":
                continue
            url = _concrete(path)
            allowed = ROUTE_ROLES[(method, path)]
            anonymous = await http.request(method, url)
            if allowed is PUBLIC:
                assert anonymous.status_code not in (401, 403), (method, path)
                continue
            assert anonymous.status_code == 401, (method, path, anonymous.text)
            forged = await http.request(method, url, headers={"Authorization": "Bearer x.y.z"})
            assert forged.status_code == 401, (method, path)
            for role in Role:
                response = await http.request(method, url, headers=room.headers(BY_ROLE[role]))
                if role in allowed:
                    assert response.status_code not in (401, 403), (method, path, role)
                else:
                    assert response.status_code == 403, (method, path, role, response.text)
                checked += 1
    protected = [k for k, v in ROUTE_ROLES.items() if k[0] != "WS" and v is not PUBLIC]
    assert checked == len(Role) * len(protected)


async def test_every_websocket_enforces_the_matrix(room: Room, base: str) -> None:
    for method, path in _routes(room):
        if method != "WS":
            continue
        name = path.rsplit("/", 1)[1]
        allowed = ROUTE_ROLES[(method, path)]
        for role in Role:
            username = BY_ROLE[role]
            token = room.headers(username)["Authorization"][7:]
            async with feed(base, name, token) as (_f, first):
                if role in allowed:
                    assert first["type"] == "hello", (path, role)
                else:
                    assert first["type"] == "error" and "may not" in first["detail"], (path, role)
        async with feed(base, name, "garbage") as (_f, first):
            assert first == {"type": "error", "detail": "invalid or expired token"}


async def test_disabled_user_is_refused_at_once(room: Room, base: str) -> None:
    headers = room.headers("sup")
    async with client(base) as http:
        assert (await http.get("/supervisor/stats", headers=headers)).status_code == 200
        disabled = await http.post("/users/sup/disable", headers=room.headers("adm"))
        assert disabled.json()["disabled"] is True
        assert (await http.get("/supervisor/stats", headers=headers)).status_code == 401


async def test_operator_acts_only_on_own_seat(room: Room, base: str) -> None:
    """There is no route taking a seat from an operator: their seat comes from their account."""
    for (_method, path), roles in ROUTE_ROLES.items():
        if Role.OPERATOR in roles:
            assert "{seat}" not in path
    async with client(base) as http:
        for name, interface in (("op3", "PJSIP/seat03"), ("op4", "PJSIP/seat04")):
            response = await http.post(
                "/seats/me/pause", headers=room.headers(name), json={"reason": "break"}
            )
            assert response.status_code == 200
            assert room.pbx.actions[-1] == ("seat_pause", ("line19", interface, "break"))
        forced = await http.post(
            "/supervisor/seats/Seat%2003/pause",
            headers=room.headers("op3"),
            json={"reason": "x"},
        )
        assert forced.status_code == 403
