"""One incident, one ticket: calls attached to a dispatched incident add their information to it
instead of sending a second unit (SQLite and the real PostgreSQL, the room's hand-off wiring)."""

from __future__ import annotations

import pytest

from callcenter.errors import CallNotAttachableError
from callcenter.incidents.desk import Draft, IncidentDesk
from callcenter.storage.incidents import IncidentStore
from tests.dispatch.conftest import FIELDS, Room


def desk_of(room: Room) -> IncidentDesk:
    return IncidentDesk(room.sink, room.store, IncidentStore(room.store.engine), room.tickets)


async def test_attached_calls_share_the_incidents_ticket(room: Room) -> None:
    desk = desk_of(room)
    first = await room.answered_call()
    handed = await room.service.qualify(first, FIELDS, by="op03", request_id="r1")
    assert handed.new_ticket and handed.ticket_id is not None

    second = await room.answered_call()
    draft = Draft(incident_type="road_accident", latitude=33.5891, longitude=-7.6302)
    found = await desk.suggestions(second, draft)
    assert found, "a report 15 m away, same type, is suggested"
    incident = found[0].incident
    assert incident.id == f"I-{first}" and incident.ticket_id == handed.ticket_id
    assert [r.code for r in found[0].reasons] == ["near", "same_type", "recent"]

    attached = await desk.attach(
        second, incident.id, by="op05", request_id="a1", reasons=["near", "same_type"]
    )
    assert (attached.ticket_id, attached.callers) == (handed.ticket_id, 2)
    assert "attached" in await room.kinds(second)
    report = [s for s in await room.store.timeline(first) if s["kind"] == "incident_report"]
    assert report[0]["payload"]["reporter_call_id"] == second
    assert report[0]["payload"]["ticket_id"] == handed.ticket_id
    counts = [m for m in room.notifier.messages if m.kind == "ticket_callers"]
    assert [(m.payload["id"], m.payload["callers"]) for m in counts] == [(handed.ticket_id, 2)]

    # the attached call handed off: the incident's ticket, no second one
    again = await room.service.qualify(
        second, {**FIELDS, "notes": "smoke on the 3rd floor"}, by="op05", request_id="r2"
    )
    assert (again.ticket_id, again.new_ticket) == (handed.ticket_id, False)
    repeat = await room.service.qualify(
        second, {**FIELDS, "notes": "smoke on the 3rd floor"}, by="op05", request_id="r3"
    )
    assert repeat.ticket_id == handed.ticket_id
    steps = [s for s in await room.store.timeline(second) if s["kind"] != "anomaly"]
    handoffs = [(s["kind"], s["payload"].get("incident_ticket_id")) for s in steps[-2:]]
    # the hand-off names the incident's ticket (no ticket of its own: no ticket_id)
    assert handoffs == [("qualified", handed.ticket_id), ("dispatch_requested", handed.ticket_id)]
    assert not any(s["payload"].get("ticket_id") for s in steps if s["kind"] != "attached")
    assert [t.id for t in await room.tickets.for_incident(incident.id)] == [handed.ticket_id]
    assert await room.tickets.for_call(second) == []
    (stored,) = await IncidentStore(room.store.engine).open_incidents(incident.opened_at)
    assert stored.callers == 2

    # attaching twice changes nothing; the incident is no longer suggested to its own calls
    assert (await desk.attach(second, incident.id, by="op05", request_id="a2")).callers == 0
    assert await desk.suggestions(second, draft) == []
    for call_id in (first, second):
        verdict = await room.store.verify(call_id)
        assert verdict is not None and verdict.intact


async def test_a_single_call_keeps_its_own_ticket(room: Room) -> None:
    desk = desk_of(room)
    first = await room.answered_call()
    await room.service.qualify(first, FIELDS, by="op03", request_id="r1")
    other = await room.answered_call()
    far = {**FIELDS, "address": "Rue de Fès, Rabat", "latitude": 34.02, "longitude": -6.83}
    assert await desk.suggestions(other, Draft(latitude=34.02, longitude=-6.83)) == []
    handed = await room.service.qualify(other, far, by="op04", request_id="r2")
    assert handed.new_ticket and handed.ticket_id != (await room.tickets.for_call(first))[0].id
    with pytest.raises(CallNotAttachableError, match="own ticket"):
        await desk.attach(other, f"I-{first}", by="op04", request_id="a1")


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("own", "own incident"),
        ("I-nowhere", "no such open incident"),
        ("dup", "not attachable"),
        ("unknown", "no-such-call cannot be attached to I-.*: unknown call"),
    ],
)
async def test_attachments_refused(room: Room, target: str, why: str) -> None:
    desk = desk_of(room)
    first = await room.answered_call()
    await room.service.qualify(first, FIELDS, by="op03", request_id="r1", hand_off=False)
    call = await room.answered_call()
    await room.service.qualify(call, FIELDS, by="op03", request_id="r2", hand_off=False)
    if target == "dup":
        third = await room.answered_call()
        await room.service.qualify(third, FIELDS, by="op03", request_id="r3", hand_off=False)
        await desk.attach(call, f"I-{third}", by="op03", request_id="a0")
        target = f"I-{first}"
    elif target == "unknown":  # a call nobody recorded
        call, target = "no-such-call", f"I-{first}"
    elif target == "own":  # not qualified yet: no incident of its own opened
        call = await room.answered_call()
        target = f"I-{call}"
    with pytest.raises(CallNotAttachableError, match=why):
        await desk.attach(call, target, by="op03", request_id="a1")
