"""The operator's current call: answer, hang up, blind transfer, qualify, hand off.

The current call is the one the PBX shows on the operator's own seat (``SeatBoard``).
Hang-up and transfer name the seat's leg by its interface (``PJSIP/seat03``); the bridge
resolves it to the live channel. Reading, qualifying and handing off also reach the seat's
last answered call for a while after its caller hung up (``callcenter.api.last_call``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException

from callcenter.api.access import GUARD, UNAUTHORIZED, Responses, Svc, Who
from callcenter.api.last_call import own_call, ticket_asked
from callcenter.api.ports import Services
from callcenter.api.routes.room import Facts
from callcenter.api.routes.seats import PBX_ERRORS, own_seat
from callcenter.api.schemas import (
    Accepted,
    CurrentCallOut,
    EntryDecisionOut,
    HandOffOut,
    MyCallOut,
    OwnQualificationIn,
    ReasonCodeOut,
    RecentCallOut,
    StepOut,
    TransferIn,
)
from callcenter.auth.tokens import Identity
from callcenter.domain.seats import Seat, SeatState
from callcenter.storage.search import CallQuery

router = APIRouter(prefix="/me/call", tags=["operator"], dependencies=GUARD, responses=UNAUTHORIZED)

RECENT = timedelta(minutes=30)  # the FastAGI's repeat-caller window (agi.repeat_window_minutes)
NO_CALL: Responses = {**PBX_ERRORS, 409: {"description": "no call on the operator's seat"}}
OWN_CALL: Responses = {
    **PBX_ERRORS,
    409: {
        "description": "no call on the operator's seat, and no call it answered whose caller "
        "hung up within CALLCENTER_ROOM__HANDOFF_AFTER_HANGUP_SECONDS"
    },
}
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


def entry_decision(steps: list[dict[str, Any]]) -> EntryDecisionOut | None:
    """The FastAGI's decision, from the call's last ``entry_decision`` step."""
    for step in reversed(steps):
        if step["kind"] == "entry_decision":
            p = step["payload"]
            return EntryDecisionOut(
                priority=int(p.get("priority") or 0),
                reason=str(p.get("reason") or ""),
                reason_codes=reason_codes(p.get("reason_codes")),
                route=str(p.get("route") or "queue"),
                line_type=str(p.get("number_kind") or ""),
                repeat_count=int(p.get("repeat_count") or 0),
                callback_after_abandon=bool(p.get("callback_after_abandon")),
            )
    return None


def reason_codes(stored: Any) -> list[ReasonCodeOut]:
    """The step's ``reason_codes``, keeping only well-formed items (the payload is plain JSON;
    a step recorded before the codes existed has none)."""
    found = []
    for item in stored if isinstance(stored, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            continue
        params = item.get("params")
        pairs = params.items() if isinstance(params, dict) else ()
        kept = {str(k): v for k, v in pairs if isinstance(v, str | int)}
        found.append(ReasonCodeOut(code=item["code"], params=kept))
    return found


async def recent_calls(svc: Services, row: dict[str, Any]) -> list[RecentCallOut]:
    """The same number's other calls in the last 30 minutes (none for a withheld number)."""
    number = row["caller_e164"]
    if not number:
        return []
    since = (row["rang_at"] or datetime.now(UTC)) - RECENT
    found = await svc.search.search(CallQuery(numbers=(number,), since=since, limit=20))
    return [
        RecentCallOut(**{k: r[k] for k in RecentCallOut.model_fields})
        for r in found
        if r["id"] != row["id"]
    ]


def window(f: Facts) -> timedelta:
    return timedelta(seconds=f.room.handoff_after_hangup_seconds)


@router.get("", responses=OWN_CALL)
async def my_call(svc: Svc, who: Who, f: Facts) -> MyCallOut:
    """The call on the operator's seat, with its timeline, the FastAGI's entry decision and
    the same number's calls of the last 30 minutes with their outcome (the read is in the
    access log). When the seat has none: the last call it answered, if the caller hung up
    less than ``CALLCENTER_ROOM__HANDOFF_AFTER_HANGUP_SECONDS`` ago and it was not handed
    off yet (``line_ended: true``): it can still be qualified and handed off."""
    own = await own_call(svc, who, window=window(f), now=datetime.now(UTC))
    call_id = own.call_id
    row = await svc.store.get_call(call_id)
    if row is None:
        raise HTTPException(409, "the call is not recorded yet")
    steps = await svc.store.timeline(call_id)
    if not own.on_seat and ticket_asked(steps):
        raise HTTPException(409, f"no call on {own.seat.name} (its last call was handed off)")
    await svc.users.log_access(
        username=who.username,
        role=who.role.value,
        action="timeline",
        call_id=call_id,
        detail="own call (GET /me/call)" if own.on_seat else "own last call (GET /me/call)",
    )
    call = CurrentCallOut(
        **row, entry_decision=entry_decision(steps), recent_calls=await recent_calls(svc, row)
    )
    return MyCallOut(call=call, steps=[StepOut(**s) for s in steps])


@router.post("/answer", responses=NO_CALL)
async def answer(svc: Svc, who: Who) -> Accepted:
    """Pick up the call ringing on the seat (through the seat phone driver): a caller, or the
    seat's own call-back ringing it first (``POST /me/callback/{id}/call``)."""
    seat = own_seat(svc, who)
    if seat.call_id is None and seat.state is SeatState.RINGING:
        await svc.pbx.answer(seat.interface)
        return Accepted(detail=f"answer the call-back ringing on {seat.name}")
    seat, call_id = current(svc, who)
    await svc.pbx.answer(seat.interface)
    return Accepted(detail=f"answer {call_id} on {seat.name}")


@router.post("/hangup", responses=NO_CALL)
async def hangup(svc: Svc, who: Who) -> Accepted:
    """Hang up the seat's call: a caller's, or the seat's own call-back."""
    seat = own_seat(svc, who)
    if seat.call_id is None and seat.state in (SeatState.RINGING, SeatState.IN_CALL):
        await svc.pbx.hangup(seat.interface)
        return Accepted(detail=f"hangup the call-back on {seat.name}")
    seat, call_id = current(svc, who)
    await svc.pbx.hangup(seat.interface)
    return Accepted(detail=f"hangup {call_id} on {seat.name}")


@router.post("/transfer", responses=NO_CALL)
async def transfer(body: TransferIn, svc: Svc, who: Who) -> Accepted:
    """Blind transfer of the caller to ``extension``."""
    seat, call_id = current(svc, who)
    await svc.pbx.blind_transfer(seat.interface, svc.transfer_context, body.extension)
    return Accepted(detail=f"transfer {call_id} to {body.extension}")


QUALIFY_ERRORS: Responses = {
    **NO_CALL,
    409: {
        "description": "no call on the seat (nor a last call whose caller hung up within the "
        "window), ``call_id`` names another call, or the call cannot be qualified in its state"
    },
    422: {"description": "a field is refused (unknown incident type, ...): detail per field"},
}


@router.post("/qualify", responses=QUALIFY_ERRORS)
async def qualify(
    body: OwnQualificationIn,
    svc: Svc,
    who: Who,
    f: Facts,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    """Qualify (or amend) the call: incident type, priority P1-P4, place, callback number.
    The qualification already recorded, sent again, records nothing. The call is the seat's,
    or the last one it answered if the caller hung up within the window (see ``GET``)."""
    own = await own_call(svc, who, window=window(f), now=datetime.now(UTC), call_id=body.call_id)
    call_id, fields = own.call_id, body.qualification()
    row = await svc.store.get_call(call_id)
    if row is not None and row["qualification"] == fields:
        return Accepted(detail=f"qualify {call_id}: unchanged")
    request_id = f"api:{idempotency_key or uuid.uuid4().hex}"
    await svc.handoff.qualify(call_id, fields, who.username, request_id)
    return Accepted(detail=f"qualify {call_id}")


@router.post("/handoff", responses=QUALIFY_ERRORS)
async def handoff(body: OwnQualificationIn, svc: Svc, who: Who, f: Facts) -> HandOffOut:
    """Hand the qualified call to radio dispatch; returns the dispatch ticket. Sending the
    qualification already recorded adds no amendment (the step is ``dispatch_requested``).
    After the caller hung up, the seat's last answered call can still be handed off within
    the window (see ``GET``); asking again returns the same ticket."""
    own = await own_call(svc, who, window=window(f), now=datetime.now(UTC), call_id=body.call_id)
    ticket = await svc.handoff.request(own.call_id, body.qualification(), who.username)
    return HandOffOut(call_id=own.call_id, ticket_id=ticket)
