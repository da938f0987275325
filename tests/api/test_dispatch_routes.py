"""GET /dispatch/tickets (most urgent first, caller, seat, escalation, nearest units) and
GET /dispatch/units, over HTTP against the real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.dispatch.units import UnitRegistry
from callcenter.domain.dispatch import Ticket, TicketState
from callcenter.domain.events import CallAnswered, CallEntered, CallerQueued, Qualification
from callcenter.storage.tickets import UnitStore
from tests.api.room import Room, client, ev


def _qualification(priority: str, *, placed: bool = True) -> Qualification:
    return Qualification(
        incident_type="theft",
        priority=priority,
        address="Bd Mohammed V, Casablanca",
        latitude=33.5951 if placed else None,
        longitude=-7.6188 if placed else None,
    )


async def _answered(room: Room, call_id: str, seat: str) -> None:
    p = room.processor
    await p.handle(ev(CallEntered, call_id, caller_raw="0612345678", caller_e164="+212612345678"))
    await p.handle(ev(CallerQueued, call_id, queue="line19", position=1, count=1))
    await p.handle(
        ev(CallAnswered, call_id, queue="line19", seat=seat, hold_seconds=3, ring_seconds=1)
    )


async def test_tickets_most_urgent_first_with_caller_seat_and_candidates(
    room: Room, base: str
) -> None:
    await UnitRegistry(UnitStore(room.services.store.engine)).seed_defaults()
    now = datetime.now(UTC)
    specs = [  # (ticket, priority, minutes ago, state, placed)
        ("T-p3-old", "P3", 10, TicketState.SENT, True),
        ("T-p1-new", "P1", 1, TicketState.SENT, False),
        ("T-p1-old", "P1", 5, TicketState.ESCALATED, True),
        ("T-p2", "P2", 20, TicketState.SENT, True),
    ]
    for n, (ticket_id, priority, ago, state, placed) in enumerate(specs):
        call_id = f"1732240000.{n}"
        await _answered(room, call_id, f"Seat {n + 1:02d}")
        room.desk.tickets[ticket_id] = Ticket(
            id=ticket_id,
            call_id=call_id,
            qualification=_qualification(priority, placed=placed),
            created_at=now - timedelta(minutes=ago),
            state=state,
            escalated_at=now if state is TicketState.ESCALATED else None,
        )
    async with client(base) as http:
        r = await http.get("/dispatch/tickets", headers=room.headers("disp"))
        assert r.status_code == 200, r.text
        tickets = r.json()
        assert [t["id"] for t in tickets] == ["T-p1-old", "T-p1-new", "T-p2", "T-p3-old"]
        first = tickets[0]
        assert first["escalated"] is True and first["state"] == "escalated"
        assert (first["caller_e164"], first["seat"]) == ("+212612345678", "Seat 03")
        assert first["candidates"][0] == {"unit": "CAR-01", "kind": "car", "distance_m": 9}
        assert len(first["candidates"]) == 5
        assert tickets[1]["escalated"] is False and tickets[1]["candidates"] == []

        units = await http.get("/dispatch/units", headers=room.headers("sup"))
        assert units.status_code == 200
        by_id = {u["id"]: u for u in units.json()}
        assert len(by_id) == 9
        assert by_id["CAR-01"]["kind"] == "car" and by_id["CAR-01"]["status"] == "available"
        assert set(by_id["CAR-01"]) == {
            "id",
            "kind",
            "status",
            "latitude",
            "longitude",
            "position_at",
            "ticket_id",
        }
        assert (await http.get("/dispatch/units", headers=room.headers("op3"))).status_code == 403

        acked = await http.post(
            "/dispatch/tickets/T-p2/ack", json={"unit": "CAR-01"}, headers=room.headers("disp")
        )
        assert acked.status_code == 200, acked.text
        body = acked.json()
        assert (body["state"], body["unit"], body["acknowledged_by"]) == (
            "acknowledged",
            "CAR-01",
            "disp",
        )
        assert body["candidates"] == [] and body["seat"] == "Seat 04"
