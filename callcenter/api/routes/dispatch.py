"""Radio dispatch: pending tickets, acknowledge one with the unit sent."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.schemas import AcknowledgeIn, TicketOut
from callcenter.domain.dispatch import Ticket

router = APIRouter(
    prefix="/dispatch", tags=["dispatch"], dependencies=GUARD, responses=UNAUTHORIZED
)


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.id,
        call_id=ticket.call_id,
        state=ticket.state.value,
        created_at=ticket.created_at,
        qualification=asdict(ticket.qualification),
        unit=ticket.unit,
        acknowledged_by=ticket.acknowledged_by,
        acknowledged_at=ticket.acknowledged_at,
    )


@router.get("/tickets")
async def pending_tickets(svc: Svc) -> list[TicketOut]:
    """Tickets not yet acknowledged, oldest first."""
    return [ticket_out(t) for t in await svc.dispatch.pending()]


@router.post(
    "/tickets/{ticket_id}/ack",
    responses={409: {"description": "unknown ticket, or already acknowledged"}},
)
async def acknowledge(ticket_id: str, body: AcknowledgeIn, svc: Svc, who: Who) -> TicketOut:
    """Take the ticket and name the unit sent."""
    return ticket_out(await svc.dispatch.acknowledge(ticket_id, body.unit, who.username))
