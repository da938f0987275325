"""The auditor's links between calls: the same caller's other calls, and the calls of the same
incident (the FastAGI's linked calls, the calls attached to the same incident, and calls
qualified with the same incident type and address close in time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import or_, select

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc
from callcenter.api.routes.calls import NOT_FOUND
from callcenter.api.wallboard_schemas import LinkedCallOut
from callcenter.storage.store import CALLS, TIMELINE

router = APIRouter(prefix="/audit", tags=["auditor"], dependencies=GUARD, responses=UNAUTHORIZED)

FIELDS = (
    CALLS.c.id,
    CALLS.c.state,
    CALLS.c.outcome,
    CALLS.c.caller_raw,
    CALLS.c.caller_e164,
    CALLS.c.seat,
    CALLS.c.rang_at,
    CALLS.c.incident_type,
    CALLS.c.qualification,
    CALLS.c.incident_id,
)


def _address(qualification: Any) -> str:
    if isinstance(qualification, dict):
        return " ".join(str(qualification.get("address", "")).lower().split())
    return ""


def _same_caller(call: dict[str, Any], other: dict[str, Any]) -> bool:
    if call["caller_e164"]:
        return bool(other["caller_e164"] == call["caller_e164"])
    return bool(call["caller_raw"]) and other["caller_raw"] == call["caller_raw"]


@router.get("/calls/{call_id}/linked", responses=NOT_FOUND)
async def linked_calls(
    call_id: str,
    svc: Svc,
    hours: Annotated[int, Query(ge=1, le=24 * 30)] = 24,
) -> list[LinkedCallOut]:
    """Calls linked to this one within ``hours`` either side, oldest first, each with
    ``link``: ``caller`` (same number), ``incident`` (same incident type and address) or
    ``entry`` (linked by the call-entry decision)."""
    call = await svc.store.get_call(call_id)
    if call is None:
        raise HTTPException(404, "call not found")
    around = call["rang_at"]
    span = timedelta(hours=hours)
    found: dict[str, LinkedCallOut] = {}
    async with svc.store.engine.connect() as conn:
        entry_links: set[str] = set()
        steps = select(TIMELINE.c.payload).where(
            TIMELINE.c.call_id == call_id, TIMELINE.c.kind == "entry_decision"
        )
        for (payload,) in await conn.execute(steps):
            if isinstance(payload, dict):
                entry_links.update(str(i) for i in payload.get("linked_call_ids") or [])
        same: list[Any] = []
        if call["caller_e164"]:
            same.append(CALLS.c.caller_e164 == call["caller_e164"])
        elif call["caller_raw"]:
            same.append(CALLS.c.caller_raw == call["caller_raw"])
        if call["incident_type"]:
            same.append(CALLS.c.incident_type == call["incident_type"])
        if call["incident_id"]:
            same.append(CALLS.c.incident_id == call["incident_id"])
        if entry_links:
            same.append(CALLS.c.id.in_(sorted(entry_links)[:100]))
        if not same:
            return []
        query = select(*FIELDS).where(CALLS.c.id != call_id, or_(*same)).limit(500)
        if around is not None:
            query = query.where(
                or_(
                    CALLS.c.id.in_(sorted(entry_links)[:100]),
                    CALLS.c.rang_at.between(around - span, around + span),
                )
            )
        address = _address(call["qualification"])
        for row in await conn.execute(query):
            other = dict(row._mapping)
            if other["id"] in entry_links:
                link = "entry"
            elif call["incident_id"] and other["incident_id"] == call["incident_id"]:
                link = "incident"  # attached to one incident (callcenter.domain.incidents)
            elif _same_caller(call, other):
                link = "caller"
            elif (
                address
                and other["incident_type"] == call["incident_type"]
                and _address(other["qualification"]) == address
            ):
                link = "incident"
            else:
                continue
            other.pop("qualification")
            other.pop("incident_id")
            found[other["id"]] = LinkedCallOut(**other, link=link)
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(found.values(), key=lambda c: (c.rang_at or never, c.id))
