"""The dispatchers' view of tickets on the real stores (SQLite and PostgreSQL): most urgent
first, caller and seat of the call, escalation, nearest available units in metres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.api.dispatch_schemas import AcknowledgeIn
from callcenter.dispatch.board import TicketBoard
from callcenter.dispatch.escalation import Escalator
from callcenter.dispatch.units import DEFAULT_UNITS
from callcenter.domain.dispatch import haversine_km
from tests.dispatch.conftest import FIELDS, Room

PLACE_MOHAMMED_V = {"latitude": 33.5951, "longitude": -7.6188}


async def _handed_off(room: Room, **fields: object) -> str:
    call_id = await room.answered_call()
    handoff = await room.service.qualify(
        call_id, {**FIELDS, **fields}, by="op03", request_id=f"r-{call_id}"
    )
    assert handoff.ticket_id
    return handoff.ticket_id


async def test_most_urgent_first_with_caller_seat_and_candidates(room: Room) -> None:
    board = TicketBoard(room.store.engine)
    p3 = await _handed_off(room, priority="P3", **PLACE_MOHAMMED_V)
    p1_older = await _handed_off(room, priority="P1", latitude=None, longitude=None)
    p1_newer = await _handed_off(room, priority="P1", **PLACE_MOHAMMED_V)
    pending = await room.desk.pending()
    assert [t.id for t in pending] == [p1_older, p1_newer, p3]
    assert [t.qualification.priority for t in pending] == ["P1", "P1", "P3"]

    views = {v.ticket.id: v for v in await board.views(pending)}
    v = views[p3]
    assert v.caller_e164 is None  # the test call's caller ID was not normalised
    assert v.seat == "Seat 03" and v.escalated is False
    assert [c.unit for c in v.candidates][:2] == ["CAR-01", "FOOT-01"]
    assert len(v.candidates) == 5
    car01 = next(u for u in DEFAULT_UNITS if u[0] == "CAR-01")
    expected = round(haversine_km(33.5951, -7.6188, car01[2], car01[3]) * 1000)
    assert v.candidates[0].distance_m == expected and v.candidates[0].kind == "car"
    distances = [c.distance_m for c in v.candidates]
    assert distances == sorted(distances)
    assert views[p1_older].candidates == ()  # no coordinates: nothing to rank

    wire = v.to_wire()
    assert wire["candidates"][0] == {"unit": "CAR-01", "kind": "car", "distance_m": expected}
    assert wire["state"] == "pending" and wire["seat"] == "Seat 03"


async def test_busy_units_are_not_candidates_and_escalation_shows(room: Room) -> None:
    board = TicketBoard(room.store.engine)
    first = await _handed_off(room, **PLACE_MOHAMMED_V)
    second = await _handed_off(room, **PLACE_MOHAMMED_V)
    acked = await room.desk.acknowledge(first, "CAR-01", by="radio1")
    escalator = Escalator(
        room.tickets, room.sink, after_seconds=1, now=lambda: datetime.now(UTC) + timedelta(hours=1)
    )
    assert second in await escalator.check()
    [view] = await board.views([t for t in await room.desk.pending() if t.id == second])
    assert view.escalated is True and view.ticket.state.value == "escalated"
    assert "CAR-01" not in [c.unit for c in view.candidates]
    done = await board.view(acked)
    assert done.candidates == () and done.escalated is False
    assert done.to_wire()["unit"] == "CAR-01"


async def test_the_documented_unit_is_a_seeded_one(room: Room) -> None:
    """The OpenAPI example of POST /dispatch/tickets/{id}/ack acknowledges for real."""
    example = AcknowledgeIn.model_config["json_schema_extra"]["examples"][0]["unit"]  # type: ignore[index]
    ticket = await _handed_off(room)
    acked = await room.desk.acknowledge(ticket, example, by="radio1")
    assert acked.unit == example
    assert example in [u.id for u in await TicketBoard(room.store.engine).units()]
