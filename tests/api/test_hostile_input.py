"""Hostile input answers 4xx on both databases, never 500.

NUL bytes in a path, a query, a form or a JSON field (PostgreSQL refuses them in text:
``invalid byte sequence for encoding "UTF8": 0x00``), and JSON values Python parses but cannot
write back (NaN, Infinity, 1e999, lone surrogates: the validation error used to echo them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from callcenter.api.access import PUBLIC, ROUTE_ROLES
from callcenter.domain.events import CallEntered, CallerQueued, SeatOffered
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import BY_ROLE, Room, build_room, ev, serve


@pytest.fixture
async def hostile(database_url: str) -> AsyncIterator[tuple[Room, httpx.AsyncClient]]:
    engine = create_engine(database_url)
    await upgrade(engine)
    room = await build_room(TimelineStore(engine), MemoryLog())
    await room.processor.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
    await room.processor.handle(
        ev(CallerQueued, "c1", queue="line19", position=1, count=1, channel="PJSIP/t-1")
    )
    await room.processor.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
    room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="c1")
    try:
        async with serve(room.app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
            yield room, http
    finally:
        await engine.dispose()


def _as(room: Room, method: str, template: str) -> dict[str, str]:
    allowed = ROUTE_ROLES[(method, template)]
    return {} if allowed is PUBLIC else room.headers(BY_ROLE[min(allowed)])


QUALIFICATION = {"incident_type": "theft", "priority": "P1", "address": "Bd Zerktouni"}
NUL_REQUESTS: list[tuple[str, str, str, dict[str, Any]]] = [
    # (method, route template, URL, request keywords)
    ("GET", "/calls/{call_id}", "/calls/%00", {}),
    ("GET", "/calls/{call_id}/timeline", "/calls/c%001/timeline", {}),
    ("GET", "/calls", "/calls", {"params": {"number": "\x00"}}),
    ("GET", "/calls", "/calls", {"params": {"seat": "Seat\x0003"}}),
    ("GET", "/calls", "/calls", {"params": {"incident_type": "theft\x00"}}),
    ("GET", "/audit/calls/{call_id}/timeline", "/audit/calls/%00/timeline", {}),
    ("GET", "/audit/access-log", "/audit/access-log", {"params": {"call_id": "\x00"}}),
    ("POST", "/auth/token", "/auth/token", {"data": {"username": "adm\x00", "password": "x"}}),
    ("POST", "/users/{username}/disable", "/users/op4%00/disable", {}),
    (
        "POST",
        "/users",
        "/users",
        {
            "json": {
                "username": "amina",
                "password": "0123456789ab",
                "role": "auditor",
                "seat": "\x00",
            }
        },
    ),
    (
        "POST",
        "/users",
        "/users",
        {"json": {"username": "amina", "password": "0123456789\x00", "role": "auditor"}},
    ),
    (
        "POST",
        "/supervisor/calls/{call_id}/priority",
        "/supervisor/calls/%00/priority",
        {"json": {"priority": 1}},
    ),
    (
        "POST",
        "/supervisor/seats/{seat}/pause",
        "/supervisor/seats/%00/pause",
        {"json": {"reason": "break"}},
    ),
    (
        "POST",
        "/dispatch/tickets/{ticket_id}/ack",
        "/dispatch/tickets/T%00/ack",
        {"json": {"unit": "CAS\x00"}},
    ),
    ("POST", "/me/call/qualify", "/me/call/qualify", {"json": {**QUALIFICATION, "notes": "\x00"}}),
    (
        "POST",
        "/me/call/qualify",
        "/me/call/qualify",
        {"json": {**QUALIFICATION, "address": "Bd\x00"}},
    ),
    ("POST", "/me/call/handoff", "/me/call/handoff", {"json": {**QUALIFICATION, "notes": "\x00"}}),
]


async def test_nul_bytes_are_refused_with_a_4xx(hostile: tuple[Room, httpx.AsyncClient]) -> None:
    room, http = hostile
    answers = []
    for method, template, url, kwargs in NUL_REQUESTS:
        response = await http.request(method, url, headers=_as(room, method, template), **kwargs)
        answers.append((response.status_code, method, url, kwargs, response.text[:200]))
    assert [a for a in answers if not 400 <= a[0] < 500] == []
    # Refused by the URL guard or a field's own check, with the character named.
    assert all("U+0000" in a[4] for a in answers if a[0] == 422), answers


JSON_POSTS: list[tuple[str, str, list[str]]] = [
    ("/seats/me/pause", "/seats/me/pause", ["reason"]),
    ("/me/call/transfer", "/me/call/transfer", ["extension"]),
    ("/me/call/qualify", "/me/call/qualify", [*QUALIFICATION, "latitude", "notes"]),
    ("/me/call/handoff", "/me/call/handoff", ["longitude", "callback_e164", "notes"]),
    ("/supervisor/calls/{call_id}/priority", "/supervisor/calls/c1/priority", ["priority"]),
    ("/supervisor/seats/{seat}/pause", "/supervisor/seats/Seat 04/pause", ["reason"]),
    ("/dispatch/tickets/{ticket_id}/ack", "/dispatch/tickets/T-000001/ack", ["unit"]),
    ("/users", "/users", ["username", "password", "role", "seat"]),
]
UNWRITABLE = ["NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"', '"a\\udfffb"']


async def test_json_values_python_cannot_write_back_are_refused_with_a_4xx(
    hostile: tuple[Room, httpx.AsyncClient],
) -> None:
    room, http = hostile
    answers = []
    for template, url, fields in JSON_POSTS:
        headers = {**_as(room, "POST", template), "content-type": "application/json"}
        for value in UNWRITABLE:
            bodies = [value, f"[{value}]"]
            for name in fields:
                others = QUALIFICATION if "/me/call/" in url and "transfer" not in url else {}
                rest = "".join(f', "{k}": "{v}"' for k, v in others.items() if k != name)
                bodies.append(f'{{"{name}": {value}{rest}}}')
            for body in bodies:
                response = await http.post(url, content=body, headers=headers)
                answers.append((response.status_code, url, body, response.text[:200]))
    assert [a for a in answers if not 400 <= a[0] < 500] == []
    assert len(answers) > 150
