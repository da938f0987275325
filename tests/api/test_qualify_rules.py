"""Qualify and hand-off follow one rule book: the dispatch service's validator, fed the room's
configured taxonomy, and the same check of the call's state."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.assembly.room import DispatchHandOff
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain.events import CallAnswered, CallEntered, CallerQueued, SeatOffered
from callcenter.domain.seats import SeatState
from callcenter.pipeline.direct import ProcessorSink
from callcenter.storage.tickets import TicketStore
from tests.api.room import Room, client, ev

FIELDS: dict[str, Any] = {"priority": "P2", "address": "Bd Zerktouni, Casablanca"}


@pytest.fixture
async def configured(room: Room) -> Room:
    """The room with the real dispatch service, configured with one type the defaults lack
    and without 'fire' (CALLCENTER_DISPATCH__INCIDENT_TYPES='["theft", "kidnapping"]')."""
    store = room.services.store
    service = HandoffService(
        ProcessorSink(room.processor),
        PipelineCalls(room.processor, store),
        TicketStore(store.engine),
        Taxonomy.from_codes(["theft", "kidnapping"]),
    )
    room.services.handoff = DispatchHandOff(service)
    await room.processor.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
    await room.processor.handle(
        ev(CallerQueued, "c1", queue="line19", position=1, count=1, channel="PJSIP/t-1")
    )
    await room.processor.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
    room.board.set("Seat 03", state=SeatState.RINGING, call_id="c1")
    return room


async def kinds(room: Room) -> list[str]:
    return [s["kind"] for s in await room.services.store.timeline("c1")]


async def test_qualifying_a_call_still_ringing_is_refused(configured: Room, base: str) -> None:
    before = await kinds(configured)
    async with client(base) as http:
        r = await http.post(
            "/me/call/qualify",
            json={**FIELDS, "incident_type": "theft"},
            headers=configured.headers("op3"),
        )
    assert r.status_code == 409, r.text
    assert "offered" in r.text
    assert await kinds(configured) == before  # not even an anomaly step


async def test_qualify_and_hand_off_accept_and_refuse_the_same_types(
    configured: Room, base: str
) -> None:
    await configured.processor.handle(
        ev(CallAnswered, "c1", queue="line19", seat="Seat 03", hold_seconds=3, ring_seconds=1)
    )
    configured.board.set("Seat 03", state=SeatState.IN_CALL, call_id="c1")
    headers = configured.headers("op3")
    async with client(base) as http:
        for route in ("qualify", "handoff"):
            removed = await http.post(
                f"/me/call/{route}", json={**FIELDS, "incident_type": "fire"}, headers=headers
            )
            assert removed.status_code == 422, (route, removed.text)
            assert "incident_type" in removed.text
        added = await http.post(
            "/me/call/qualify", json={**FIELDS, "incident_type": "kidnapping"}, headers=headers
        )
        assert added.status_code == 200, added.text
        handed = await http.post(
            "/me/call/handoff", json={**FIELDS, "incident_type": "kidnapping"}, headers=headers
        )
        assert handed.status_code == 200, handed.text
    steps = await configured.services.store.timeline("c1")
    # Refusals leave nothing on the timeline; the hand-off of the unchanged qualification
    # adds its ticket without an amendment.
    assert [s["kind"] for s in steps] == [
        "entered",
        "queued",
        "offered",
        "answered",
        "qualified",
        "dispatch_requested",
    ]
    assert steps[-2]["payload"]["incident_type"] == "kidnapping"
    assert steps[-1]["payload"]["ticket_id"] == handed.json()["ticket_id"]
