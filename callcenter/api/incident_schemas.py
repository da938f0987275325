"""Request and response models of the incident routes: suggestions, attachment, the audit view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from callcenter.api.schemas import CallOut, QualificationIn, StepOut
from callcenter.api.text import OneLine
from callcenter.domain.incidents import Incident, Suggestion

REASON_CODES = "same_caller, near (value: metres), same_address, same_street, same_type, recent"


class ReasonOut(BaseModel):
    code: str = Field(description=f"why it is suggested: {REASON_CODES} (value: minutes)")
    value: int | None = Field(default=None, description="metres for near, minutes for recent")


class IncidentOut(BaseModel):
    """An open incident as the operator's suggestion shows it."""

    id: str
    incident_type: str | None
    priority: str | None
    address: str
    opened_at: datetime
    last_at: datetime
    callers: int = Field(description="how many calls report it")
    ticket_id: str | None = Field(description="its dispatch ticket, once handed off")
    ticket_state: str | None

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        opener = incident.opener
        return cls(
            id=incident.id,
            incident_type=opener.incident_type,
            priority=incident.priority,
            address=opener.address,
            opened_at=incident.opened_at,
            last_at=incident.last_at,
            callers=incident.callers,
            ticket_id=incident.ticket_id,
            ticket_state=incident.ticket_state,
        )


class SuggestionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "incident": {
                        "id": "I-1732240000.101",
                        "incident_type": "fire",
                        "priority": "P1",
                        "address": "12 Bd Zerktouni",
                        "opened_at": "2026-11-22T04:02:00Z",
                        "last_at": "2026-11-22T04:05:00Z",
                        "callers": 3,
                        "ticket_id": "T-000042",
                        "ticket_state": "sent",
                    },
                    "score": 7.1,
                    "reasons": [
                        {"code": "near", "value": 40},
                        {"code": "same_type", "value": None},
                        {"code": "recent", "value": 2},
                    ],
                }
            ]
        }
    )

    incident: IncidentOut
    score: float
    reasons: list[ReasonOut]

    @classmethod
    def of(cls, found: Suggestion) -> SuggestionOut:
        return cls(
            incident=IncidentOut.of(found.incident),
            score=found.score,
            reasons=[ReasonOut(code=r.code, value=r.value) for r in found.reasons],
        )


class AttachIn(BaseModel):
    """Attach the operator's call to an open incident (one of ``GET /me/call/incidents``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"incident_id": "I-1732240000.101", "reasons": ["near", "same_type"]}]
        }
    )

    incident_id: OneLine = Field(min_length=3, max_length=80)
    call_id: str | None = Field(
        default=None, max_length=100, description="as for qualify: the form's call"
    )
    reasons: list[OneLine] = Field(
        default_factory=list, max_length=8, description="the reasons the operator was shown"
    )
    qualification: QualificationIn | None = Field(
        default=None,
        description="the call's own report, qualified first (the same rules as qualify)",
    )


class AttachOut(BaseModel):
    call_id: str
    incident_id: str
    ticket_id: str | None = Field(description="the incident's ticket: no second unit is sent")
    callers: int = Field(description="calls reporting the incident now (0: it already was)")


class IncidentCallOut(BaseModel):
    call: CallOut
    steps: list[StepOut]


class AuditIncidentOut(BaseModel):
    """An incident with every call that reports it, oldest first, each with its timeline."""

    id: str
    callers: int
    opened_at: datetime
    last_at: datetime
    priority: str | None
    ticket_id: str | None
    ticket_state: str | None
    calls: list[IncidentCallOut]


def call_out(row: dict[str, Any]) -> CallOut:
    return CallOut(**row)
