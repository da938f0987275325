"""Ticket changes on the live feeds, with the real hand-off, relay, escalation and desk of the
room (embedded mode): /live/dispatch gets ticket_created, ticket_escalated and
ticket_acknowledged with the ticket as GET /dispatch/tickets shows it; /live/operator gets them
for the seat that had the call, and no other seat does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.api.ports import Services
from callcenter.assembly.dispatch import Dispatch, build_dispatch
from callcenter.assembly.room import DispatchHandOff
from callcenter.dispatch.escalation import Escalator
from callcenter.domain.events import CallAnswered, CallEntered, CallerQueued
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore
from tests.api.live_client import Feed, feed
from tests.api.room import Room, build_room, client, ev, serve

CALL = "1732240000.301"
PLACE = {
    "incident_type": "theft",
    "priority": "P1",
    "address": "Bd Mohammed V, Casablanca",
    "latitude": 33.5951,
    "longitude": -7.6188,
}


@dataclass
class Wired:
    room: Room
    dispatch: Dispatch
    base: str

    def token(self, username: str) -> str:
        return self.room.headers(username)["Authorization"][7:]


@pytest.fixture
async def wired(sqlite_store: TimelineStore) -> AsyncIterator[Wired]:
    room = await build_room(sqlite_store, MemoryLog())
    svc: Services = room.services
    dispatch = build_dispatch(Settings(), sqlite_store, svc.events, live=svc.hub)
    await dispatch.units.seed_defaults()
    svc.dispatch = dispatch.desk
    svc.handoff = DispatchHandOff(dispatch.service)
    async with serve(room.app) as base:
        yield Wired(room, dispatch, base)


async def answered_on_seat_3(room: Room) -> None:
    p = room.processor
    await p.handle(ev(CallEntered, CALL, caller_raw="0612345678", caller_e164="+212612345678"))
    await p.handle(ev(CallerQueued, CALL, queue="line19", position=1, count=1))
    await p.handle(
        ev(CallAnswered, CALL, queue="line19", seat="Seat 03", hold_seconds=3, ring_seconds=1)
    )
    room.board.set("Seat 03", state=SeatState.IN_CALL, call_id=CALL)


async def next_dispatch(f: Feed) -> dict[str, Any]:
    """The next ``dispatch`` event, skipping call updates and alerts."""
    while True:
        message = await f.event()
        if message["topic"] == "dispatch":
            return message


async def test_ticket_lifecycle_reaches_dispatchers_and_the_seat_that_had_the_call(
    wired: Wired,
) -> None:
    room, dispatch = wired.room, wired.dispatch
    async with (
        feed(wired.base, "dispatch", wired.token("disp")) as (radio, _),
        feed(wired.base, "operator", wired.token("op3")) as (seat3, _),
        feed(wired.base, "operator", wired.token("op4")) as (seat4, _),
        client(wired.base) as http,
    ):
        await answered_on_seat_3(room)
        r = await http.post("/me/call/handoff", json=PLACE, headers=room.headers("op3"))
        assert r.status_code == 200, r.text
        ticket_id = r.json()["ticket_id"]
        assert await dispatch.relay.drain() == 1

        created = await next_dispatch(radio)
        assert (created["kind"], created["call_id"], created["seat"]) == (
            "ticket_created",
            CALL,
            "Seat 03",
        )
        listed = await http.get("/dispatch/tickets", headers=room.headers("disp"))
        assert created["payload"] == listed.json()[0]  # the same shape as the HTTP list
        payload = created["payload"]
        assert (payload["id"], payload["state"], payload["escalated"]) == (ticket_id, "sent", False)
        assert payload["caller_e164"] == "+212612345678"
        assert payload["candidates"][0] == {"unit": "CAR-01", "kind": "car", "distance_m": 9}
        assert await next_dispatch(seat3) == created

        later = datetime.now(UTC) + timedelta(hours=1)
        escalator = Escalator(
            dispatch.tickets, room.services.events, after_seconds=60, now=lambda: later
        )
        escalator.announce = dispatch.escalator.announce  # as the room wires it
        assert await escalator.check() == [ticket_id]
        escalated = await next_dispatch(radio)
        assert escalated["kind"] == "ticket_escalated"
        assert (escalated["payload"]["state"], escalated["payload"]["escalated"]) == (
            "escalated",
            True,
        )
        assert await next_dispatch(seat3) == escalated

        for _ in range(2):  # a repeated acknowledgement is announced once
            ack = await http.post(
                f"/dispatch/tickets/{ticket_id}/ack",
                json={"unit": "CAR-01"},
                headers=room.headers("disp"),
            )
            assert ack.status_code == 200, ack.text
        acked = await next_dispatch(radio)
        assert acked["kind"] == "ticket_acknowledged"
        p = acked["payload"]
        assert (p["state"], p["unit"], p["acknowledged_by"]) == ("acknowledged", "CAR-01", "disp")
        assert p["acknowledged_at"] is not None and p["candidates"] == []
        assert p == ack.json()
        assert await next_dispatch(seat3) == acked

        marker = await room.services.hub.publish("dispatch", "marker", seat="Seat 04")
        nxt = await radio.event()
        assert (nxt["kind"], nxt["seq"]) == ("marker", marker)  # nothing more was announced
        assert (await seat4.event())["seq"] == marker  # Seat 04 saw none of Seat 03's tickets


async def test_qualify_then_hand_off_unchanged_writes_no_amendment(wired: Wired) -> None:
    room = wired.room
    await answered_on_seat_3(room)
    async with client(wired.base) as http:
        for _ in range(2):  # the panel saving the same form twice records it once
            q = await http.post("/me/call/qualify", json=PLACE, headers=room.headers("op3"))
            assert q.status_code == 200, q.text
        h = await http.post("/me/call/handoff", json=PLACE, headers=room.headers("op3"))
        assert h.status_code == 200, h.text
        again = await http.post("/me/call/handoff", json=PLACE, headers=room.headers("op3"))
        assert again.json()["ticket_id"] == h.json()["ticket_id"]
        changed = await http.post(
            "/me/call/qualify", json={**PLACE, "priority": "P2"}, headers=room.headers("op3")
        )
        assert changed.status_code == 200
    steps = await room.services.store.timeline(CALL)
    kinds = [s["kind"] for s in steps]
    assert kinds[-3:] == ["qualified", "dispatch_requested", "amended"], kinds
    assert steps[-2]["payload"]["ticket_id"] == h.json()["ticket_id"]
