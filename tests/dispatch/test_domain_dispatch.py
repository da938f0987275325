"""The pure side of the hand-off: the lifecycle's dispatch effects, distances between units."""

from __future__ import annotations

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import CallState
from callcenter.domain.dispatch import (
    Unit,
    UnitKind,
    UnitStatus,
    haversine_km,
    nearest_available,
)
from callcenter.domain.effects import AppendTimeline, NotifyClients, RequestDispatch
from callcenter.domain.lifecycle import transition
from tests.domain.factories import QUALIFICATION, call_in, make


def test_a_hand_off_asks_for_a_ticket_with_the_step() -> None:
    event = make(ev.CallQualified, ticket_id="T-9")
    _new, effects = transition(call_in(CallState.ANSWERED), event)
    [request] = [e for e in effects if isinstance(e, RequestDispatch)]
    assert request == RequestDispatch(
        call_id=event.call_id, ticket_id="T-9", qualification=QUALIFICATION, at=event.at, by="op03"
    )
    [step] = [e for e in effects if isinstance(e, AppendTimeline)]
    assert step.kind == "qualified" and step.payload["ticket_id"] == "T-9"


def test_no_ticket_without_a_hand_off_or_in_a_refused_state() -> None:
    _new, effects = transition(call_in(CallState.ANSWERED), make(ev.CallQualified))
    assert not [e for e in effects if isinstance(e, RequestDispatch)]
    _new, effects = transition(call_in(CallState.QUEUED), make(ev.CallQualified, ticket_id="T-9"))
    assert [type(e) for e in effects] == [AppendTimeline]  # the anomaly, nothing else


def test_escalation_is_a_step_and_a_supervisor_alert() -> None:
    call = call_in(CallState.QUALIFIED)
    new, effects = transition(call, make(ev.DispatchEscalated))
    assert new == call
    alerts = [e for e in effects if isinstance(e, NotifyClients) and e.topic == "alert"]
    assert [(a.kind, a.payload["ticket_id"], a.payload["priority"]) for a in alerts] == [
        ("dispatch_escalated", "T-1", "P1")
    ]


def test_haversine_between_known_places() -> None:
    # Casablanca (Place Mohammed V) to Rabat (Bab er-Rouah): about 87 km as the crow flies.
    assert haversine_km(33.5951, -7.6187, 34.0150, -6.8470) == pytest.approx(86.5, abs=1.5)
    assert haversine_km(33.6, -7.6, 33.6, -7.6) == 0.0


def test_nearest_available_units_first() -> None:
    units = [
        Unit(id="FAR", kind=UnitKind.CAR, latitude=33.70, longitude=-7.40),
        Unit(id="NEAR", kind=UnitKind.FOOT, latitude=33.60, longitude=-7.61),
        Unit(id="BUSY", kind=UnitKind.CAR, status=UnitStatus.BUSY, latitude=33.6, longitude=-7.6),
        Unit(id="NOWHERE", kind=UnitKind.MOTORBIKE),
        Unit(id="MID", kind=UnitKind.MOTORBIKE, latitude=33.58, longitude=-7.65),
    ]
    ranked = nearest_available(units, 33.6, -7.6)
    assert [d.unit.id for d in ranked] == ["NEAR", "MID", "FAR"]
    assert [d.unit.id for d in nearest_available(units, 33.6, -7.6, limit=1)] == ["NEAR"]
