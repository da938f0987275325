"""Radio dispatch tickets and field units as the room sees them (pure values and arithmetic).

The dispatch feature (``callcenter.dispatch``, ``callcenter.messaging``) keeps them current.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callcenter.domain.events import DispatchSent, Qualification

PRIORITIES = ("P1", "P2", "P3", "P4")


class TicketState(StrEnum):
    PENDING = "pending"  # written with the qualification, waiting in the outbox
    SENT = "sent"  # on the dispatch stream, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"  # a radio operator sent a unit
    ESCALATED = "escalated"  # not acknowledged in time; supervisors alerted


OPEN_TICKET_STATES = frozenset({TicketState.PENDING, TicketState.SENT, TicketState.ESCALATED})


@dataclass(frozen=True, kw_only=True)
class Ticket:
    id: str
    call_id: str
    qualification: Qualification
    created_at: datetime
    state: TicketState = TicketState.PENDING
    created_by: str = ""
    sent_at: datetime | None = None
    escalated_at: datetime | None = None
    unit: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def sort_key(self) -> tuple[str, datetime, str]:
        """Most urgent first (P1 before P4), then oldest first."""
        return (self.qualification.priority, self.created_at, self.id)


class UnitKind(StrEnum):
    CAR = "car"
    MOTORBIKE = "motorbike"
    FOOT = "foot"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"  # sent on a ticket
    OFF_DUTY = "off_duty"


@dataclass(frozen=True, kw_only=True)
class Unit:
    id: str  # radio call sign, e.g. "CAR-12"
    kind: UnitKind
    status: UnitStatus = UnitStatus.AVAILABLE
    latitude: float | None = None
    longitude: float | None = None
    position_at: datetime | None = None
    ticket_id: str | None = None  # the ticket it was last sent on


@dataclass(frozen=True, kw_only=True)
class UnitDistance:
    unit: Unit
    km: float


EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_available(
    units: list[Unit], latitude: float, longitude: float, *, limit: int = 5
) -> list[UnitDistance]:
    """Available units with a known position, the nearest first."""
    ranked = [
        UnitDistance(unit=u, km=haversine_km(latitude, longitude, u.latitude, u.longitude))
        for u in units
        if u.status is UnitStatus.AVAILABLE and u.latitude is not None and u.longitude is not None
    ]
    ranked.sort(key=lambda d: (d.km, d.unit.id))
    return ranked[:limit]


def sent_event(ticket: Ticket, at: datetime, received_at: datetime) -> DispatchSent:
    """The ``dispatch_sent`` step of a ticket (one per ticket: its source id is the ticket's)."""
    return DispatchSent(
        call_id=ticket.call_id,
        at=at,
        received_at=received_at,
        source_id=f"dispatch-sent:{ticket.id}",
        ticket_id=ticket.id,
    )
