"""What a radio dispatcher's screen shows of a ticket: the call's caller and seat, whether it
was escalated, and the nearest available units with their distance.

``TicketBoard.views`` reads the calls, their incidents' caller counts and the units once for a
whole list of tickets (four queries at most, whatever the list's length) and keeps the list's
order. ``GET /dispatch/tickets`` and the ``dispatch`` live events (``callcenter.dispatch.feed``)
show the same view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.dispatch import (
    OPEN_TICKET_STATES,
    Ticket,
    TicketState,
    Unit,
    nearest_available,
)
from callcenter.storage.incidents import IncidentStore
from callcenter.storage.tickets import TicketStore, UnitStore

CANDIDATES = 5


@dataclass(frozen=True, kw_only=True)
class Candidate:
    unit: str
    kind: str
    distance_m: int


@dataclass(frozen=True, kw_only=True)
class TicketView:
    ticket: Ticket
    escalated: bool  # escalated once (it stays true after the acknowledgement)
    caller_e164: str | None  # None: withheld or not a valid number
    seat: str | None  # the seat that had the call
    candidates: tuple[Candidate, ...]  # open tickets with coordinates only; nearest first
    incident_id: str | None = None  # the incident the ticket's call reports
    callers: int = 1  # how many calls report that incident (domain/incidents.py)

    def to_wire(self) -> dict[str, Any]:
        """The ticket as ``GET /dispatch/tickets`` and the live feeds show it (JSON-ready)."""
        t = self.ticket
        return {
            "id": t.id,
            "call_id": t.call_id,
            "state": t.state.value,
            "created_at": _iso(t.created_at),
            "qualification": asdict(t.qualification),
            "unit": t.unit,
            "acknowledged_by": t.acknowledged_by,
            "acknowledged_at": _iso(t.acknowledged_at),
            "escalated": self.escalated,
            "caller_e164": self.caller_e164,
            "seat": self.seat,
            "candidates": [asdict(c) for c in self.candidates],
            "incident_id": self.incident_id,
            "callers": self.callers,
        }


_WHEN = TypeAdapter(datetime | None)


def _iso(at: datetime | None) -> str | None:
    """As the API writes datetimes (pydantic: UTC as ``Z``), so live and HTTP shapes match."""
    value: str | None = _WHEN.dump_python(at, mode="json")
    return value


def candidates_for(ticket: Ticket, units: Sequence[Unit], limit: int) -> tuple[Candidate, ...]:
    q = ticket.qualification
    if ticket.state not in OPEN_TICKET_STATES or q.latitude is None or q.longitude is None:
        return ()
    return tuple(
        Candidate(unit=d.unit.id, kind=d.unit.kind.value, distance_m=round(d.km * 1000))
        for d in nearest_available(list(units), q.latitude, q.longitude, limit=limit)
    )


class TicketBoard:
    def __init__(self, engine: AsyncEngine, *, candidates: int = CANDIDATES) -> None:
        self.tickets = TicketStore(engine)
        self.unit_store = UnitStore(engine)
        self.incidents = IncidentStore(engine)
        self.limit = candidates

    async def units(self) -> list[Unit]:
        """Every field unit, by call sign."""
        return await self.unit_store.all()

    async def views(self, tickets: Sequence[Ticket]) -> list[TicketView]:
        callers = await self.tickets.callers([t.call_id for t in tickets])
        reporting = await self.incidents.callers([t.call_id for t in tickets])
        open_with_place = any(
            t.state in OPEN_TICKET_STATES and t.qualification.latitude is not None for t in tickets
        )
        units = await self.unit_store.all() if open_with_place else []
        views = []
        for ticket in tickets:
            caller, seat = callers.get(ticket.call_id, (None, None))
            incident_id, count = reporting.get(ticket.call_id, (None, 1))
            views.append(
                TicketView(
                    ticket=ticket,
                    escalated=ticket.state is TicketState.ESCALATED
                    or ticket.escalated_at is not None,
                    caller_e164=caller,
                    seat=seat,
                    candidates=candidates_for(ticket, units, self.limit),
                    incident_id=incident_id,
                    callers=count,
                )
            )
        return views

    async def view(self, ticket: Ticket) -> TicketView:
        return (await self.views([ticket]))[0]
