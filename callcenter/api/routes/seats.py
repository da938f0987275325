"""Seats: the list with their state, and the operator's own seat (login, logout, pause).

An operator acts on their own seat only: the seat comes from their account, never from the
request. The PBX confirms the change on its own events (seen on the feeds as seat updates).
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException

from callcenter.api.access import GUARD, UNAUTHORIZED, Responses, Svc, Who
from callcenter.api.ports import Services
from callcenter.api.schemas import Accepted, PauseIn, SeatOut
from callcenter.auth.tokens import Identity
from callcenter.domain.seats import Seat
from callcenter.errors import SeatsUnknownError

router = APIRouter(tags=["seats"], dependencies=GUARD, responses=UNAUTHORIZED)

PBX_ERRORS: Responses = {
    409: {"description": "the seat is not known to the PBX"},
    502: {"description": "Asterisk refused (its message in detail)"},
    503: {"description": "not connected to Asterisk, or the bridge has not heard from it yet"},
    504: {"description": "Asterisk did not answer in time"},
}


def seat_out(seat: Seat) -> SeatOut:
    return SeatOut(**asdict(seat))


def known_seats(svc: Services) -> None:
    """Raise ``SeatsUnknownError`` (503) while the bridge has no board from the PBX."""
    if not svc.seats.synced():
        raise SeatsUnknownError()


def seat_named(svc: Services, name: str | None) -> Seat:
    known_seats(svc)
    seat = svc.seats.seat(name) if name else None
    if seat is None:
        raise HTTPException(409, f"seat {name!r} is not known to the PBX")
    return seat


def own_seat(svc: Services, who: Identity) -> Seat:
    return seat_named(svc, who.seat)


async def seat_changed(svc: Services, seat: Seat, kind: str, by: str, reason: str = "") -> None:
    payload = {"by": by, "interface": seat.interface, "queue": seat.queue}
    if reason:
        payload["reason"] = reason
    await svc.hub.announce("seat", kind, seat=seat.name, payload=payload)


@router.get("/seats", responses={503: PBX_ERRORS[503]})
async def list_seats(svc: Svc) -> list[SeatOut]:
    """Every seat with its state as last seen from the PBX."""
    known_seats(svc)
    return [seat_out(seat) for seat in svc.seats.seats()]


@router.get("/seats/me", responses=PBX_ERRORS)
async def my_seat(svc: Svc, who: Who) -> SeatOut:
    return seat_out(own_seat(svc, who))


@router.post("/seats/me/login", responses=PBX_ERRORS)
async def login(svc: Svc, who: Who) -> Accepted:
    """Add the operator's seat to its queue."""
    seat = own_seat(svc, who)
    await svc.pbx.seat_login(seat.queue, seat.interface, seat.name)
    await seat_changed(svc, seat, "login", who.username)
    return Accepted(detail=f"login {seat.name}")


@router.post("/seats/me/logout", responses=PBX_ERRORS)
async def logout(svc: Svc, who: Who) -> Accepted:
    seat = own_seat(svc, who)
    await svc.pbx.seat_logout(seat.queue, seat.interface)
    await seat_changed(svc, seat, "logout", who.username)
    return Accepted(detail=f"logout {seat.name}")


@router.post("/seats/me/pause", responses=PBX_ERRORS)
async def pause(body: PauseIn, svc: Svc, who: Who) -> Accepted:
    seat = own_seat(svc, who)
    await svc.pbx.seat_pause(seat.queue, seat.interface, body.reason)
    await seat_changed(svc, seat, "pause", who.username, body.reason)
    return Accepted(detail=f"pause {seat.name}")


@router.post("/seats/me/unpause", responses=PBX_ERRORS)
async def unpause(svc: Svc, who: Who) -> Accepted:
    seat = own_seat(svc, who)
    await svc.pbx.seat_unpause(seat.queue, seat.interface)
    await seat_changed(svc, seat, "unpause", who.username)
    return Accepted(detail=f"unpause {seat.name}")
