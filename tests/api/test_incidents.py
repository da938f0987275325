"""Incidents over HTTP: an operator is offered the open incident their call probably reports,
attaches the call to it, and the dispatcher sees one ticket with two callers; the auditor reads
the incident with all its calls."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.assembly.room import DispatchHandOff
from callcenter.dispatch.desk import AckRecorder, EmbeddedDispatchDesk, TicketAcknowledger
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.pipeline.direct import ProcessorSink
from callcenter.storage.tickets import TicketStore
from tests.api.room import Room, client
from tests.api.test_handoff_after_hangup import answered, kinds

FIRE: dict[str, Any] = {
    "incident_type": "fire",
    "priority": "P1",
    "address": "12 Bd Zerktouni",
    "latitude": 33.5883,
    "longitude": -7.6325,
}


@pytest.fixture
async def dispatching(room: Room) -> Room:
    """The room with the real dispatch service and desk (tickets in the store)."""
    store = room.services.store
    tickets = TicketStore(store.engine)
    sink = ProcessorSink(room.processor)
    room.services.handoff = DispatchHandOff(
        HandoffService(
            sink, PipelineCalls(room.processor, store), tickets, Taxonomy.from_codes(["fire"])
        )
    )
    room.services.dispatch = EmbeddedDispatchDesk(
        tickets, TicketAcknowledger(tickets, AckRecorder(tickets, sink))
    )
    return room


async def test_attach_to_the_suggested_incident(dispatching: Room, base: str) -> None:
    room = dispatching
    await answered(room, "c1", "Seat 03")
    await answered(room, "c2", "Seat 04")
    op3, op4 = room.headers("op3"), room.headers("op4")
    async with client(base) as http:
        handed = await http.post("/me/call/handoff", json=FIRE, headers=op3)
        assert handed.status_code == 200, handed.text
        ticket = handed.json()["ticket_id"]

        draft = {"incident_type": "fire", "latitude": 33.5885, "longitude": -7.6322}
        found = await http.get("/me/call/incidents", params=draft, headers=op4)
        assert found.status_code == 200, found.text
        first = found.json()[0]
        assert first["incident"]["id"] == "I-c1"
        assert (first["incident"]["ticket_id"], first["incident"]["callers"]) == (ticket, 1)
        assert [r["code"] for r in first["reasons"]] == ["near", "same_type", "recent"]
        assert 20 <= first["reasons"][0]["value"] <= 40  # metres

        # op3's own call is never suggested to them
        assert (await http.get("/me/call/incidents", params=draft, headers=op3)).json() == []

        body = {
            "incident_id": "I-c1",
            "reasons": ["near", "same_type"],
            "qualification": {**FIRE, "address": "Zerktouni, 3e étage", "notes": "smoke"},
        }
        attached = await http.post("/me/call/attach", json=body, headers=op4)
        assert attached.status_code == 200, attached.text
        assert attached.json() == {
            "call_id": "c2",
            "incident_id": "I-c1",
            "ticket_id": ticket,
            "callers": 2,
        }
        # handing the attached call off sends no second unit: the incident's ticket
        again = await http.post("/me/call/handoff", json=body["qualification"], headers=op4)
        assert again.json()["ticket_id"] == ticket

        tickets = await http.get("/dispatch/tickets", headers=room.headers("disp"))
        assert [(t["id"], t["callers"], t["incident_id"]) for t in tickets.json()] == [
            (ticket, 2, "I-c1")
        ]

        audit = await http.get("/audit/incidents/I-c1", headers=room.headers("aud"))
        assert audit.status_code == 200, audit.text
        shown = audit.json()
        assert (shown["callers"], shown["ticket_id"]) == (2, ticket)
        assert [c["call"]["id"] for c in shown["calls"]] == ["c1", "c2"]
        assert "attached" in [s["kind"] for s in shown["calls"][1]["steps"]]
        assert "incident_report" in [s["kind"] for s in shown["calls"][0]["steps"]]
        assert (
            await http.get("/audit/incidents/I-none", headers=room.headers("aud"))
        ).status_code == 404
        linked = await http.get("/audit/calls/c2/linked", headers=room.headers("aud"))
        assert ("c1", "incident") in [(c["id"], c["link"]) for c in linked.json()]

    assert "attached" in await kinds(room, "c2")
    report = [s for s in await room.services.store.timeline("c1") if s["kind"] == "incident_report"]
    assert report[0]["payload"]["report"]["notes"] == "smoke"


async def test_attach_refusals(dispatching: Room, base: str) -> None:
    room = dispatching
    await answered(room, "c1", "Seat 03")
    op3 = room.headers("op3")
    async with client(base) as http:
        assert (await http.post("/me/call/handoff", json=FIRE, headers=op3)).status_code == 200
        own = await http.post("/me/call/attach", json={"incident_id": "I-c1"}, headers=op3)
        assert own.status_code == 200 and own.json()["callers"] == 0  # already its incident
        gone = await http.post("/me/call/attach", json={"incident_id": "I-zz"}, headers=op3)
        assert gone.status_code == 409 and "handed off on its own ticket" in gone.text
        bad = {"incident_id": "I-c1", "qualification": {**FIRE, "incident_type": "flood"}}
        await answered(room, "c2", "Seat 04")
        refused = await http.post("/me/call/attach", json=bad, headers=room.headers("op4"))
        assert refused.status_code == 422
        assert "attached" not in await kinds(room, "c2")
