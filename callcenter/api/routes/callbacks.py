"""Call-backs: supervisors see every task (the not-callable ones too) and may offer one to a
seat; an operator sees the task offered to their free seat, calls back from the seat's phone
and says how it went. Tasks are made by the pipeline (``domain/callbacks.py``); the live feeds
carry each change (topic ``callback``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from callcenter.api.access import GUARD, UNAUTHORIZED, Responses, Svc, Who
from callcenter.api.callback_schemas import (
    CallbackOfferIn,
    CallbackOfferOut,
    CallbackResultIn,
    CallbackStartedOut,
    CallbackTaskOut,
)
from callcenter.api.routes.seats import PBX_ERRORS, own_seat, seat_named
from callcenter.api.schemas import Accepted
from callcenter.domain import callbacks as cb

router = APIRouter(tags=["call-backs"], dependencies=GUARD, responses=UNAUTHORIZED)

REFUSED: Responses = {
    **PBX_ERRORS,
    409: {"description": "the task is not in a state that allows it, or not this seat's"},
}
Status = Annotated[list[cb.Status] | None, Query(description="only tasks in these states")]


@router.get("/callbacks")
async def list_callbacks(svc: Svc, status: Status = None) -> list[CallbackTaskOut]:
    """Every call-back task, newest first, not-callable ones (withheld number) included."""
    statuses = [s.value for s in status] if status else None
    return [CallbackTaskOut.of(t) for t in await svc.callbacks.ledger.tasks(statuses=statuses)]


@router.post("/callbacks/{call_id}/offer", responses=REFUSED)
async def offer_callback(call_id: str, body: CallbackOfferIn, svc: Svc) -> CallbackTaskOut:
    """Offer an open task to a free seat."""
    task = await svc.callbacks.offer_to(call_id, seat_named(svc, body.seat))
    await announce(svc, task)
    return CallbackTaskOut.of(task)


@router.get("/me/callback", responses=PBX_ERRORS)
async def my_callback(svc: Svc, who: Who) -> CallbackOfferOut:
    """The call-back offered to the operator's seat: while the seat is free and no caller
    waits beyond the answer target, the most urgent open task (the most calls from the number,
    then cut off, silent, abandoned), the oldest first; it stays this seat's until called
    back or declined."""
    seat = own_seat(svc, who)
    offer = await svc.callbacks.offer_for(seat)
    if offer.task is not None and offer.fresh:
        await announce(svc, offer.task)
    task = CallbackTaskOut.of(offer.task) if offer.task else None
    return CallbackOfferOut(task=task, why_none=offer.why_none)


@router.post("/me/callback/{call_id}/call", responses=REFUSED)
async def call_back(call_id: str, svc: Svc, who: Who) -> CallbackStartedOut:
    """Call the caller back: the seat's phone rings (AMI Originate into the dialplan's
    call-back context), then the number is dialled; the result comes on the original call's
    timeline (``callback_result``) and the live feeds."""
    seat = own_seat(svc, who)
    attempt = await svc.callbacks.start(call_id, seat, who.username)
    task = await svc.callbacks.ledger.get(call_id)
    number = task.number if task is not None and task.number else ""
    return CallbackStartedOut(call_id=call_id, attempt=attempt, number=number)


@router.post("/me/callback/{call_id}/result", responses=REFUSED)
async def callback_result(call_id: str, body: CallbackResultIn, svc: Svc, who: Who) -> Accepted:
    """Say how the call-back went (what the operator heard)."""
    await svc.callbacks.record(call_id, own_seat(svc, who), cb.Result(body.result))
    return Accepted(detail=f"call-back of {call_id}: {body.result}")


@router.post("/me/callback/{call_id}/decline", responses=REFUSED)
async def decline_callback(call_id: str, svc: Svc, who: Who) -> Accepted:
    """Give the offered task back (another free seat gets it)."""
    await svc.callbacks.decline(call_id, own_seat(svc, who))
    return Accepted(detail=f"call-back of {call_id} declined")


async def announce(svc: Svc, task: cb.CallbackTask) -> None:
    """An offer is the desk's own change (not the pipeline's): tell the feeds."""
    await svc.hub.announce(
        "callback", "callback_task", call_id=task.call_id, seat=task.seat, payload=task.public()
    )
