"""Supervisor: queue statistics, re-prioritise a waiting call, force-pause or log out a seat."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.routes.seats import PBX_ERRORS, seat_changed, seat_named
from callcenter.api.schemas import Accepted, PauseIn, PriorityIn, StatsOut
from callcenter.domain.call import WAITING_STATES
from callcenter.domain.events import CallReprioritised, Clock
from callcenter.stats.queue import compute
from callcenter.stats.source import read_facts

router = APIRouter(
    prefix="/supervisor", tags=["supervisor"], dependencies=GUARD, responses=UNAUTHORIZED
)


@router.get("/stats")
async def stats(
    svc: Svc, window: Annotated[Literal["15m", "1h", "shift"], Query()] = "15m"
) -> StatsOut:
    """Queue statistics computed from the timeline over the last 15 minutes, hour or shift (8 h).

    answered_within: % of callers who left the queue in the window (answered + abandoned) who
    were answered within 10/15/20 s; average_speed_of_answer: mean wait of answered calls (s);
    abandon_rate: % abandoned; occupancy: % of staffed, unpaused seats in a call or wrap-up.
    """
    now = datetime.now(UTC)
    facts = await read_facts(svc.store.engine, now)
    result = compute(
        now=now,
        window=window,
        answered=facts.answered,
        abandoned=facts.abandoned,
        waiting_since=facts.waiting_since,
        seats=svc.seats.seats(),
    )
    return StatsOut(**vars(result))


@router.post(
    "/calls/{call_id}/priority",
    responses={
        **PBX_ERRORS,
        404: {"description": "no such call"},
        409: {"description": "not waiting"},
    },
)
async def reprioritise(call_id: str, body: PriorityIn, svc: Svc, who: Who) -> Accepted:
    """Move a waiting caller in the queue (Asterisk QUEUE_PRIO: higher is served first).

    The change, who made it and why (``reason``) become a ``reprioritised`` timeline step."""
    row = await svc.store.get_call(call_id)
    if row is None:
        raise HTTPException(404, "call not found")
    if row["state"] not in {s.value for s in WAITING_STATES} or not row["queue"]:
        raise HTTPException(409, f"call is {row['state']}, not waiting in a queue")
    channel = await svc.search.caller_channel(call_id)
    if channel is None:
        raise HTTPException(409, "the caller's channel is not known")
    await svc.pbx.change_priority(row["queue"], channel, body.priority)
    # On the call's timeline (who, why, the new priority); supervisors see it on their feed as
    # a ``call`` event of kind ``reprioritised`` once recorded.
    now = datetime.now(UTC)
    await svc.events.submit(
        CallReprioritised(
            call_id=call_id,
            at=now,
            received_at=now,
            source_id=f"api:priority:{uuid.uuid4().hex}",
            clock=Clock.ARRIVAL,
            priority=body.priority,
            by=who.username,
            reason=body.reason,
        )
    )
    return Accepted(detail=f"priority {body.priority} for {call_id}")


@router.post("/seats/{seat}/pause", responses=PBX_ERRORS)
async def force_pause(seat: str, body: PauseIn, svc: Svc, who: Who) -> Accepted:
    found = seat_named(svc, seat)
    await svc.pbx.seat_pause(found.queue, found.interface, body.reason)
    await seat_changed(svc, found, "pause", who.username, body.reason)
    return Accepted(detail=f"pause {found.name}")


@router.post("/seats/{seat}/logout", responses=PBX_ERRORS)
async def force_logout(seat: str, svc: Svc, who: Who) -> Accepted:
    found = seat_named(svc, seat)
    await svc.pbx.seat_logout(found.queue, found.interface)
    await seat_changed(svc, found, "logout", who.username)
    return Accepted(detail=f"logout {found.name}")
