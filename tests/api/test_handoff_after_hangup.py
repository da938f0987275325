"""The caller hung up before the operator handed the call off: the seat that answered may still
qualify and hand it off for a window (CALLCENTER_ROOM__HANDOFF_AFTER_HANGUP_SECONDS), and only
that seat, only that call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.assembly.room import DispatchHandOff
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerQueued,
    DispatchAcknowledged,
    LineEnded,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from callcenter.pipeline.direct import ProcessorSink
from callcenter.storage.tickets import TicketStore
from tests.api.room import Room, client, ev

FIRE: dict[str, Any] = {"incident_type": "fire", "priority": "P1", "address": "Derb Sultan"}


@pytest.fixture
async def dispatching(room: Room) -> Room:
    """The room with the real dispatch service (tickets in the store)."""
    store = room.services.store
    room.services.handoff = DispatchHandOff(
        HandoffService(
            ProcessorSink(room.processor),
            PipelineCalls(room.processor, store),
            TicketStore(store.engine),
            Taxonomy.from_codes(["fire", "theft"]),
        )
    )
    return room


async def answered(room: Room, call_id: str, seat: str, *, ago: timedelta = timedelta(0)) -> None:
    at = datetime.now(UTC) - ago
    p = room.processor
    await p.handle(ev(CallEntered, call_id, at=at, caller_raw="0612345678"))
    await p.handle(ev(CallerQueued, call_id, at=at, queue="line19", position=1, count=1))
    await p.handle(ev(SeatOffered, call_id, at=at, queue="line19", seat=seat))
    await p.handle(
        ev(CallAnswered, call_id, at=at, queue="line19", seat=seat, hold_seconds=2, ring_seconds=1)
    )
    room.board.set(seat, state=SeatState.IN_CALL, call_id=call_id)


async def hung_up(room: Room, call_id: str, seat: str, *, ago: timedelta = timedelta(0)) -> None:
    await room.processor.handle(ev(LineEnded, call_id, at=datetime.now(UTC) - ago))
    room.board.set(seat, state=SeatState.AVAILABLE, call_id=None)


async def kinds(room: Room, call_id: str) -> list[str]:
    return [s["kind"] for s in await room.services.store.timeline(call_id)]


async def test_hung_up_within_the_window_is_shown_qualified_and_handed_off(
    dispatching: Room, base: str
) -> None:
    await answered(dispatching, "c1", "Seat 03")
    await hung_up(dispatching, "c1", "Seat 03")
    headers = dispatching.headers("op3")
    async with client(base) as http:
        shown = await http.get("/me/call", headers=headers)
        assert shown.status_code == 200, shown.text
        assert shown.json()["call"]["id"] == "c1"
        assert shown.json()["call"]["line_ended"] is True
        qualified = await http.post(
            "/me/call/qualify", json={**FIRE, "call_id": "c1"}, headers=headers
        )
        assert qualified.status_code == 200, qualified.text
        handed = await http.post(
            "/me/call/handoff", json={**FIRE, "call_id": "c1"}, headers=headers
        )
        assert handed.status_code == 200, handed.text
        assert handed.json()["call_id"] == "c1"
        ticket = handed.json()["ticket_id"]
        again = await http.post("/me/call/handoff", json=FIRE, headers=headers)  # no call_id
        assert again.status_code == 200, again.text
        assert again.json()["ticket_id"] == ticket  # one ticket per call, as on the seat
        # handed off: the panel has nothing left to do with it
        gone = await http.get("/me/call", headers=headers)
        assert gone.status_code == 409, gone.text
    tickets = await TicketStore(dispatching.services.store.engine).for_call("c1")
    assert [t.id for t in tickets] == [ticket]
    steps = await dispatching.services.store.timeline("c1")
    kinds_ = [s["kind"] for s in steps]
    assert kinds_[-3:] == ["line_ended", "qualified", "dispatch_requested"]
    assert steps[-2]["payload"]["by"] == "op3"
    assert steps[-1]["payload"]["by"] == "op3"
    assert steps[-1]["payload"]["ticket_id"] == ticket


async def test_another_seats_call_is_refused(dispatching: Room, base: str) -> None:
    await answered(dispatching, "c1", "Seat 03")
    await hung_up(dispatching, "c1", "Seat 03")
    before = await kinds(dispatching, "c1")
    async with client(base) as http:
        for body in (FIRE, {**FIRE, "call_id": "c1"}):
            r = await http.post("/me/call/handoff", json=body, headers=dispatching.headers("op4"))
            assert r.status_code == 409, r.text
            assert "Seat 04" in r.json()["detail"]
        shown = await http.get("/me/call", headers=dispatching.headers("op4"))
        assert shown.status_code == 409, shown.text
    assert await kinds(dispatching, "c1") == before


async def test_outside_the_window_is_refused(dispatching: Room, base: str) -> None:
    await answered(dispatching, "c1", "Seat 03", ago=timedelta(minutes=10))
    await hung_up(dispatching, "c1", "Seat 03", ago=timedelta(seconds=301))
    before = await kinds(dispatching, "c1")
    async with client(base) as http:
        r = await http.post("/me/call/handoff", json=FIRE, headers=dispatching.headers("op3"))
        assert r.status_code == 409, r.text
        assert "more than 300 s ago" in r.json()["detail"]
        shown = await http.get("/me/call", headers=dispatching.headers("op3"))
        assert shown.status_code == 409, shown.text
    assert await kinds(dispatching, "c1") == before


async def test_a_call_the_seat_did_not_answer_is_refused(dispatching: Room, base: str) -> None:
    # Seat 03 rang for c1, Seat 04 answered it; the caller hung up.
    p = dispatching.processor
    await p.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
    await p.handle(ev(CallerQueued, "c1", queue="line19", position=1, count=1))
    await p.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
    await answered(dispatching, "c2", "Seat 03", ago=timedelta(minutes=20))  # an older call
    await hung_up(dispatching, "c2", "Seat 03", ago=timedelta(minutes=19))
    await p.handle(
        ev(CallAnswered, "c1", queue="line19", seat="Seat 04", hold_seconds=2, ring_seconds=1)
    )
    await hung_up(dispatching, "c1", "Seat 04")
    async with client(base) as http:
        r = await http.post(
            "/me/call/handoff", json={**FIRE, "call_id": "c1"}, headers=dispatching.headers("op3")
        )
        assert r.status_code == 409, r.text
        assert "neither on Seat 03 nor the last call it answered" in r.json()["detail"]
        # without call_id: Seat 03's last answered call is c2, ended 19 minutes ago
        r = await http.post("/me/call/handoff", json=FIRE, headers=dispatching.headers("op3"))
        assert r.status_code == 409, r.text
        assert "c2" in r.json()["detail"]
    assert "qualified" not in await kinds(dispatching, "c1")


async def test_an_older_call_than_the_last_one_is_refused(dispatching: Room, base: str) -> None:
    await answered(dispatching, "c1", "Seat 03", ago=timedelta(seconds=60))
    await hung_up(dispatching, "c1", "Seat 03", ago=timedelta(seconds=50))
    await answered(dispatching, "c2", "Seat 03", ago=timedelta(seconds=40))
    await hung_up(dispatching, "c2", "Seat 03", ago=timedelta(seconds=30))
    async with client(base) as http:
        r = await http.post(
            "/me/call/qualify", json={**FIRE, "call_id": "c1"}, headers=dispatching.headers("op3")
        )
        assert r.status_code == 409, r.text
        ok = await http.post("/me/call/qualify", json=FIRE, headers=dispatching.headers("op3"))
        assert ok.status_code == 200, ok.text
        assert "c2" in ok.json()["detail"]


async def test_a_call_acknowledged_by_a_unit_is_refused(dispatching: Room, base: str) -> None:
    await answered(dispatching, "c1", "Seat 03")
    async with client(base) as http:
        handed = await http.post("/me/call/handoff", json=FIRE, headers=dispatching.headers("op3"))
        assert handed.status_code == 200, handed.text
        await hung_up(dispatching, "c1", "Seat 03")
        await dispatching.processor.handle(
            ev(
                DispatchAcknowledged,
                "c1",
                ticket_id=handed.json()["ticket_id"],
                unit="CAS-PS-12",
                by="disp",
            )
        )
        r = await http.post("/me/call/qualify", json=FIRE, headers=dispatching.headers("op3"))
        assert r.status_code == 409, r.text
        assert "CAS-PS-12" in r.json()["detail"]


async def test_the_next_call_on_the_seat_leaves_the_hung_up_one_to_hand_off(
    dispatching: Room, base: str
) -> None:
    await answered(dispatching, "c1", "Seat 03")
    await hung_up(dispatching, "c1", "Seat 03")
    await answered(dispatching, "c2", "Seat 03")  # the next caller, answered meanwhile
    headers = dispatching.headers("op3")
    async with client(base) as http:
        shown = await http.get("/me/call", headers=headers)
        assert shown.json()["call"]["id"] == "c2"  # the call on the seat comes first
        r = await http.post("/me/call/handoff", json={**FIRE, "call_id": "c1"}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["call_id"] == "c1"
        # without call_id, the call on the seat
        r2 = await http.post("/me/call/qualify", json=FIRE, headers=headers)
        assert r2.status_code == 200, r2.text
        assert "c2" in r2.json()["detail"]
    steps = await dispatching.services.store.timeline("c1")
    assert [s["kind"] for s in steps][-2:] == ["line_ended", "qualified"]
    assert steps[-1]["payload"]["ticket_id"] == r.json()["ticket_id"]
    assert (await kinds(dispatching, "c2"))[-1] == "qualified"
