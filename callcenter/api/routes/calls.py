"""Calls: the active ones, one call, its timeline (paged by ``after_seq``), search."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import phonenumbers
from fastapi import APIRouter, HTTPException, Query

from callcenter.api.access import GUARD, UNAUTHORIZED, Responses, Svc, Who
from callcenter.api.ports import Services
from callcenter.api.schemas import CallOut, StepOut, TimelineOut, VerificationOut
from callcenter.auth.tokens import Identity
from callcenter.storage.search import CallQuery

router = APIRouter(prefix="/calls", tags=["calls"], dependencies=GUARD, responses=UNAUTHORIZED)

NOT_FOUND: Responses = {404: {"description": "no such call"}}


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _numbers(number: str) -> tuple[str, ...]:
    """The number as typed, and its E.164 form when it parses as a valid (Moroccan) number."""
    found = [number]
    try:
        parsed = phonenumbers.parse(number, "MA")
        if phonenumbers.is_valid_number(parsed):
            found.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    return tuple(found)


async def read_timeline(
    svc: Services, who: Identity, call_id: str, after_seq: int, limit: int
) -> TimelineOut:
    """A timeline page; the read is written to the access log before it is returned."""
    if await svc.store.get_call(call_id) is None:
        raise HTTPException(404, "call not found")
    await svc.users.log_access(
        username=who.username,
        role=who.role.value,
        action="timeline",
        call_id=call_id,
        detail=f"after_seq={after_seq} limit={limit}",
    )
    steps = await svc.store.timeline(call_id, after_seq=after_seq, limit=limit)
    last = steps[-1]["seq"] if steps else after_seq
    verdict = await svc.store.verify(call_id)
    return TimelineOut(
        call_id=call_id,
        steps=[StepOut(**s) for s in steps],
        next_after_seq=last,
        verification=VerificationOut(**verdict.as_dict()) if verdict else None,
    )


@router.get("/active")
async def active_calls(svc: Svc) -> list[CallOut]:
    """Calls someone is still on (not closed, abandoned or lost; the line not ended)."""
    return [CallOut(**row) for row in await svc.search.active()]


@router.get("")
async def search_calls(
    svc: Svc,
    number: Annotated[str | None, Query(max_length=40, examples=["0612345678"])] = None,
    since: Annotated[
        datetime | None, Query(description="rang at or after (UTC if no offset)")
    ] = None,
    until: Annotated[datetime | None, Query(description="rang before")] = None,
    seat: Annotated[str | None, Query(max_length=80, examples=["Seat 03"])] = None,
    outcome: Annotated[
        str | None,
        Query(
            pattern="^(answered|abandoned|overflowed|transferred|handed_off|lost)$",
            examples=["abandoned"],
        ),
    ] = None,
    incident_type: Annotated[str | None, Query(max_length=40, examples=["theft"])] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CallOut]:
    """Search by caller number (as dialled or E.164), time range, seat, outcome, incident type.
    Newest first."""
    query = CallQuery(
        numbers=_numbers(number) if number else (),
        since=_utc(since),
        until=_utc(until),
        seat=seat,
        outcome=outcome,
        incident_type=incident_type,
        limit=limit,
    )
    return [CallOut(**row) for row in await svc.search.search(query)]


@router.get("/{call_id}", responses=NOT_FOUND)
async def get_call(call_id: str, svc: Svc) -> CallOut:
    row = await svc.store.get_call(call_id)
    if row is None:
        raise HTTPException(404, "call not found")
    return CallOut(**row)


@router.get("/{call_id}/timeline", responses=NOT_FOUND)
async def call_timeline(
    call_id: str,
    svc: Svc,
    who: Who,
    after_seq: Annotated[
        int, Query(ge=0, le=2_147_483_647, description="steps after this seq")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> TimelineOut:
    """The call's steps in order; page with ``after_seq=next_after_seq``. Every read is logged."""
    return await read_timeline(svc, who, call_id, after_seq, limit)
