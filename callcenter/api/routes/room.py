"""What every screen needs to know of the room, and the operator's own phone and shift.

``GET /room/config`` (anyone logged in): the incident types the qualification form offers,
priorities, pause reasons, the room's time zone, wrap-up, the phone mode and the answer target.
``GET /me/phone`` (operator): how the panel's phone works for the operator's own seat, with that
seat's SIP credentials in ``sip`` mode (never another seat's; the password is never logged).
``GET /me/calls`` (operator): the calls the operator's seat had in the shift, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.room_schemas import PhoneOut, RoomConfigOut
from callcenter.api.schemas import CallOut
from callcenter.dispatch.qualification import Taxonomy
from callcenter.domain.dispatch import PRIORITIES
from callcenter.settings import PhoneSettings, RoomSettings

router = APIRouter(tags=["room"], dependencies=GUARD, responses=UNAUTHORIZED)

SHIFT = timedelta(hours=12)


@dataclass(frozen=True)
class RoomFacts:
    """The settings these routes read, handed to ``create_app`` by the composition root."""

    room: RoomSettings
    phone: PhoneSettings
    incident_types: tuple[str, ...]

    @classmethod
    def build(
        cls,
        room: RoomSettings | None,
        phone: PhoneSettings | None,
        incident_types: Sequence[str] | None,
    ) -> RoomFacts:
        # Offer exactly what qualify and hand-off accept: the configured taxonomy ("other"
        # always), which their one validator is fed with.
        taxonomy = Taxonomy.from_codes(incident_types) if incident_types else Taxonomy.default()
        return cls(
            room=room or RoomSettings(),
            phone=phone or PhoneSettings(),
            incident_types=tuple(taxonomy.types),
        )


def facts(request: Request) -> RoomFacts:
    found: RoomFacts = request.app.state.room_facts
    return found


Facts = Annotated[RoomFacts, Depends(facts)]


@router.get("/room/config")
async def room_config(f: Facts) -> RoomConfigOut:
    """The room's configuration as the screens use it."""
    return RoomConfigOut(
        incident_types=list(f.incident_types),
        priorities=list(PRIORITIES),
        pause_reasons=f.room.pause_reasons,
        time_zone=f.room.time_zone,
        wrapup_seconds=f.room.wrapup_seconds,
        phone_mode=f.phone.mode,
        sla_answer_seconds=f.room.sla_answer_seconds,
    )


@router.get(
    "/me/phone",
    response_model_exclude_none=True,
    responses={409: {"description": "no SIP account configured for the operator's seat"}},
)
async def my_phone(f: Facts, who: Who, response: Response) -> PhoneOut:
    """The panel's phone for the operator's own seat: ``demo`` (the buttons drive the PBX
    simulator through the API) or ``sip`` (register over WebRTC with these credentials)."""
    seat = who.seat or ""
    response.headers["Cache-Control"] = "no-store"  # credentials: not kept by any cache
    if f.phone.mode == "demo":
        return PhoneOut(mode="demo", seat=seat)
    account = f.phone.seats.get(seat)
    if account is None or not f.phone.ws_url or not f.phone.domain:
        raise HTTPException(409, f"no SIP account is configured for {seat}")
    return PhoneOut(
        mode="sip",
        seat=seat,
        ws_url=f.phone.ws_url,
        uri=f"sip:{account.user}@{f.phone.domain}",
        authorization_user=account.user,
        password=account.password.get_secret_value(),
        display_name=seat,
    )


@router.get("/me/calls")
async def my_calls(
    svc: Svc, who: Who, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[CallOut]:
    """The calls the operator's seat had in the last 12 hours (the shift), newest first."""
    since = datetime.now(UTC) - SHIFT
    rows = await svc.search.search_seat(who.seat or "", since=since, limit=limit)
    return [CallOut(**row) for row in rows]
