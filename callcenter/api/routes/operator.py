"""The operator's current call: answer, hang up, blind transfer, qualify, hand off.

The current call is the one the PBX shows on the operator's own seat (``SeatBoard``).
Hang-up and transfer name the seat's leg by its interface (``PJSIP/seat03``); the bridge
resolves it to the live channel.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException

from callcenter.api.access import GUARD, UNAUTHORIZED, Responses, Svc, Who
from callcenter.api.ports import Services
from callcenter.api.routes.seats import PBX_ERRORS, own_seat
from callcenter.api.schemas import (
    Accepted,
    CallOut,
    CallWithTimeline,
    HandOffOut,
    QualificationIn,
    StepOut,
    TransferIn,
)
from callcenter.auth.tokens import Identity
from callcenter.domain.events import CallQualified, Clock
from callcenter.domain.seats import Seat

router = APIRouter(prefix="/me/call", tags=["operator"], dependencies=GUARD, responses=UNAUTHORIZED)

NO_CALL: Responses = {**PBX_ERRORS, 409: {"description": "no call on the operator's seat"}}
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=100,
        description="Repeat a request with the same key and it is recorded once.",
    ),
]


def current(svc: Services, who: Identity) -> tuple[Seat, str]:
    seat = own_seat(svc, who)
    if seat.call_id is None:
        raise HTTPException(409, f"no call on {seat.name}")
    return seat, seat.call_id


@router.get("", responses=NO_CALL)
async def my_call(svc: Svc, who: Who) -> CallWithTimeline:
    """The call on the operator's seat, with its timeline."""
    _seat, call_id = current(svc, who)
    row = await svc.store.get_call(call_id)
    if row is None:
        raise HTTPException(409, "the call is not recorded yet")
    steps = await svc.store.timeline(call_id)
    return CallWithTimeline(call=CallOut(**row), steps=[StepOut(**s) for s in steps])


@router.post("/answer", responses=NO_CALL)
async def answer(svc: Svc, who: Who) -> Accepted:
    """Pick up the call ringing on the seat (through the seat phone driver)."""
    seat, call_id = current(svc, who)
    await svc.pbx.answer(seat.interface)
    return Accepted(detail=f"answer {call_id} on {seat.name}")


@router.post("/hangup", responses=NO_CALL)
async def hangup(svc: Svc, who: Who) -> Accepted:
    seat, call_id = current(svc, who)
    await svc.pbx.hangup(seat.interface)
    return Accepted(detail=f"hangup {call_id} on {seat.name}")


@router.post("/transfer", responses=NO_CALL)
async def transfer(body: TransferIn, svc: Svc, who: Who) -> Accepted:
    """Blind transfer of the caller to ``extension``."""
    seat, call_id = current(svc, who)
    await svc.pbx.blind_transfer(seat.interface, svc.transfer_context, body.extension)
    return Accepted(detail=f"transfer {call_id} to {body.extension}")


@router.post("/qualify", responses=NO_CALL)
async def qualify(
    body: QualificationIn, svc: Svc, who: Who, idempotency_key: IdempotencyKey = None
) -> Accepted:
    """Qualify (or amend) the call: incident type, priority P1-P4, place, callback number.
    The qualification already recorded, sent again, records nothing."""
    _seat, call_id = current(svc, who)
    row = await svc.store.get_call(call_id)
    if row is not None and row["qualification"] == body.model_dump():
        return Accepted(detail=f"qualify {call_id}: unchanged")
    now = datetime.now(UTC)
    await svc.events.submit(
        CallQualified(
            call_id=call_id,
            at=now,
            received_at=now,
            source_id=f"api:qualify:{idempotency_key or uuid.uuid4().hex}",
            clock=Clock.ARRIVAL,
            qualification=body.to_domain(),
            by=who.username,
        )
    )
    return Accepted(detail=f"qualify {call_id}")


@router.post("/handoff", responses=NO_CALL)
async def handoff(body: QualificationIn, svc: Svc, who: Who) -> HandOffOut:
    """Hand the qualified call to radio dispatch; returns the dispatch ticket. Sending the
    qualification already recorded adds no amendment (the step is ``dispatch_requested``)."""
    _seat, call_id = current(svc, who)
    ticket = await svc.handoff.request(call_id, body.to_domain(), who.username)
    return HandOffOut(call_id=call_id, ticket_id=ticket)
