"""Auditor: an incident with every call that reports it, each with its timeline (the attachment
steps included). The read is written to the access log, once per call, before data is returned."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc, Who
from callcenter.api.incident_schemas import AuditIncidentOut, IncidentCallOut, call_out
from callcenter.api.routes.calls import NOT_FOUND
from callcenter.api.schemas import StepOut
from callcenter.storage.incidents import IncidentStore

router = APIRouter(prefix="/audit", tags=["auditor"], dependencies=GUARD, responses=UNAUTHORIZED)

MAX_CALLS = 500  # an incident's calls shown at most (the oldest first)


@router.get("/incidents/{incident_id}", responses=NOT_FOUND)
async def audit_incident(incident_id: str, svc: Svc, who: Who) -> AuditIncidentOut:
    """The incident (``calls.incident_id``) and its calls, oldest first, with their timelines."""
    found = await IncidentStore(svc.store.engine).incident(incident_id)
    if found is None:
        raise HTTPException(404, "incident not found")
    incident, rows = found
    calls = []
    for row in rows[:MAX_CALLS]:
        await svc.users.log_access(
            username=who.username,
            role=who.role.value,
            action="timeline",
            call_id=row["id"],
            detail=f"incident {incident_id}"[:200],
        )
        steps = await svc.store.timeline(row["id"])
        calls.append(IncidentCallOut(call=call_out(row), steps=[StepOut(**s) for s in steps]))
    return AuditIncidentOut(
        id=incident.id,
        callers=incident.callers,
        opened_at=incident.opened_at,
        last_at=incident.last_at,
        priority=incident.priority,
        ticket_id=incident.ticket_id,
        ticket_state=incident.ticket_state,
        calls=calls,
    )
