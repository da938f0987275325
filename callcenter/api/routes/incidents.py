"""The operator's incidents: which open incidents the call probably reports, and attaching it.

``GET /me/call/incidents`` ranks the open incidents for what the operator typed so far (the
form's fields as query parameters), best first with the reasons; ``POST /me/call/attach``
attaches the call (qualifying it first when the form is sent along): its incident's ticket is
its ticket, and the dispatchers see one more caller (``callcenter.incidents.desk``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.incident_schemas import AttachIn, AttachOut, SuggestionOut
from callcenter.api.last_call import own_call
from callcenter.api.routes.operator import QUALIFY_ERRORS, IdempotencyKey, window
from callcenter.api.routes.room import Facts
from callcenter.dispatch.qualification import Taxonomy, validate
from callcenter.incidents.desk import Draft

router = APIRouter(prefix="/me/call", tags=["operator"], dependencies=GUARD, responses=UNAUTHORIZED)


@router.get("/incidents", responses=QUALIFY_ERRORS)
async def suggestions(
    svc: Svc,
    who: Who,
    f: Facts,
    incident_type: Annotated[str | None, Query(max_length=64)] = None,
    address: Annotated[str | None, Query(max_length=400)] = None,
    latitude: Annotated[float | None, Query(ge=-90, le=90)] = None,
    longitude: Annotated[float | None, Query(ge=-180, le=180)] = None,
    call_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[SuggestionOut]:
    """The open incidents the call probably reports, best first (at most 3), each with why:
    ``same_caller``, ``near`` (metres), ``same_address``, ``same_street``, ``same_type``,
    ``recent`` (minutes since its last call). The query's fields are the operator's draft and
    win over the call's recorded qualification. Never the call's own incident."""
    own = await own_call(svc, who, window=window(f), now=datetime.now(UTC), call_id=call_id)
    draft = Draft(
        incident_type=incident_type or None,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    found = await svc.incidents.suggestions(own.call_id, draft)
    return [SuggestionOut.of(s) for s in found]


@router.post("/attach", responses=QUALIFY_ERRORS)
async def attach(
    body: AttachIn, svc: Svc, who: Who, f: Facts, idempotency_key: IdempotencyKey = None
) -> AttachOut:
    """Attach the call to an open incident another call opened (409 when it cannot: its own
    incident, handed off on a ticket of its own, attached elsewhere, ...). With
    ``qualification`` the call is qualified first, as ``POST /me/call/qualify`` does. A call
    attached to an incident already handed off adds its report to the ticket (a timeline step
    on both calls) instead of sending a second unit."""
    own = await own_call(svc, who, window=window(f), now=datetime.now(UTC), call_id=body.call_id)
    request_id = f"api:{idempotency_key or uuid.uuid4().hex}"
    report = None
    if body.qualification is not None:
        fields = body.qualification.model_dump()
        report = validate(fields, Taxonomy.from_codes(f.incident_types))
        row = await svc.store.get_call(own.call_id)
        if row is None or row["qualification"] != fields:
            await svc.handoff.qualify(own.call_id, fields, who.username, f"{request_id}:q")
    done = await svc.incidents.attach(
        own.call_id,
        body.incident_id,
        by=who.username,
        request_id=request_id,
        reasons=body.reasons,
        report=report,
    )
    return AttachOut(
        call_id=done.call_id,
        incident_id=done.incident_id,
        ticket_id=done.ticket_id,
        callers=done.callers,
    )
