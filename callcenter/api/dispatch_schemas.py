"""Request and response models of the radio dispatch routes (tickets, units)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.api.schemas import QUALIFICATION_EXAMPLE
from callcenter.api.text import OneLine

TICKET_EXAMPLE: dict[str, Any] = {
    "id": "T-000042",
    "call_id": "1732240000.101",
    "state": "sent",
    "created_at": "2026-11-22T04:02:00+00:00",
    "qualification": QUALIFICATION_EXAMPLE,
    "unit": None,
    "acknowledged_by": None,
    "acknowledged_at": None,
    "escalated": False,
    "caller_e164": "+212612345678",
    "seat": "Seat 03",
    "candidates": [
        {"unit": "CAR-01", "kind": "car", "distance_m": 9},
        {"unit": "FOOT-01", "kind": "foot", "distance_m": 677},
    ],
    "incident_id": "I-1732240000.101",
    "callers": 3,
}


class CandidateOut(BaseModel):
    """An available unit near the ticket's place (straight-line distance)."""

    unit: str
    kind: Literal["car", "motorbike", "foot"]
    distance_m: int


class TicketOut(BaseModel):
    """A dispatch ticket as dispatchers see it (also the payload of ``dispatch`` live events)."""

    model_config = ConfigDict(json_schema_extra={"examples": [TICKET_EXAMPLE]})

    id: str
    call_id: str
    state: Literal["pending", "sent", "acknowledged", "escalated"]
    created_at: datetime
    qualification: dict[str, Any]
    unit: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    escalated: bool = Field(description="escalated once (stays true after the acknowledgement)")
    caller_e164: str | None = Field(description="the caller, null if withheld or invalid")
    seat: str | None = Field(description="the seat that had the call")
    candidates: list[CandidateOut] = Field(
        description="nearest available units (up to 5), open tickets with coordinates only"
    )
    incident_id: str | None = Field(default=None, description="the incident the call reports")
    callers: int = Field(
        default=1, description="how many calls report the incident (attached calls included)"
    )


class UnitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "CAR-01",
                    "kind": "car",
                    "status": "available",
                    "latitude": 33.5951,
                    "longitude": -7.6187,
                    "position_at": "2026-11-22T04:00:00+00:00",
                    "ticket_id": None,
                }
            ]
        }
    )

    id: str
    kind: Literal["car", "motorbike", "foot"]
    status: Literal["available", "busy", "off_duty"]
    latitude: float | None
    longitude: float | None
    position_at: datetime | None
    ticket_id: str | None = Field(description="the ticket it was last sent on")


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"unit": "CAR-01"}]})

    unit: OneLine = Field(min_length=1, max_length=64)
