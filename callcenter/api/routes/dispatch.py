"""Radio dispatch: pending tickets (most urgent first, with the nearest units), the field units,
acknowledging a ticket with the unit sent."""

from __future__ import annotations

from fastapi import APIRouter

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.dispatch_schemas import AcknowledgeIn, TicketOut, UnitOut
from callcenter.dispatch.board import TicketView
from callcenter.domain.dispatch import Unit

router = APIRouter(
    prefix="/dispatch", tags=["dispatch"], dependencies=GUARD, responses=UNAUTHORIZED
)


def ticket_out(view: TicketView) -> TicketOut:
    return TicketOut.model_validate(view.to_wire())


def unit_out(unit: Unit) -> UnitOut:
    return UnitOut(
        id=unit.id,
        kind=unit.kind.value,
        status=unit.status.value,
        latitude=unit.latitude,
        longitude=unit.longitude,
        position_at=unit.position_at,
        ticket_id=unit.ticket_id,
    )


@router.get("/tickets")
async def pending_tickets(svc: Svc) -> list[TicketOut]:
    """Tickets not yet acknowledged, most urgent first (P1 first, then the oldest), each with
    the caller, the seat, whether it was escalated and the nearest available units."""
    tickets = sorted(await svc.dispatch.pending(), key=lambda t: t.sort_key)
    return [ticket_out(v) for v in await svc.board.views(tickets)]


@router.get("/units")
async def units(svc: Svc) -> list[UnitOut]:
    """Every field unit with its status and last known position."""
    return [unit_out(u) for u in await svc.board.units()]


@router.post(
    "/tickets/{ticket_id}/ack",
    responses={
        409: {"description": "unknown ticket or unit, already acknowledged, or unit not available"}
    },
)
async def acknowledge(ticket_id: str, body: AcknowledgeIn, svc: Svc, who: Who) -> TicketOut:
    """Take the ticket and name the unit sent (a call sign from ``GET /dispatch/units``)."""
    ticket = await svc.dispatch.acknowledge(ticket_id, body.unit, who.username)
    return ticket_out(await svc.board.view(ticket))
