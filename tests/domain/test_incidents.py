"""Incidents in the domain: the suggestion's ranking and reasons, and attachment, as tables."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.domain import events as ev
from callcenter.domain.call import CallState
from callcenter.domain.effects import AppendTimeline, NotifyClients
from callcenter.domain.incidents import (
    Address,
    Incident,
    Report,
    Rules,
    incident_id_for,
    street_similarity,
    suggest,
)
from callcenter.domain.lifecycle import transition
from tests.domain.factories import QUALIFICATION, T0, call_in, make

NOW = T0 + timedelta(minutes=10)
# Two events 1.1 km apart in Casablanca: a fire on Bd Zerktouni, an accident on Bd d'Anfa.
FIRE = Report(
    call_id="c-fire",
    at=T0,
    caller_e164="+212600000001",
    incident_type="fire",
    address="12 Bd Zerktouni",
    latitude=33.5883,
    longitude=-7.6325,
)
CRASH = Report(
    call_id="c-crash",
    at=T0 + timedelta(minutes=2),
    caller_e164="+212600000002",
    incident_type="road_accident",
    address="Bd d'Anfa angle rue Jaafar",
    latitude=33.5950,
    longitude=-7.6420,
)
INCIDENTS = [
    Incident(id=incident_id_for("c-fire"), reports=(FIRE,)),
    Incident(id=incident_id_for("c-crash"), reports=(CRASH,)),
]


def new(**fields: object) -> Report:
    base: dict[str, object] = {"call_id": "c-new", "at": NOW}
    return Report(**(base | fields))  # type: ignore[arg-type]


# (what the new call's operator typed, the first suggestion expected, its reason codes)
CASES = [
    pytest.param(
        new(incident_type="fire", address="Zerktouni", latitude=33.5885, longitude=-7.6322),
        "I-c-fire",
        ["near", "same_street", "same_type", "recent"],
        id="coordinates-and-street",
    ),
    pytest.param(
        new(incident_type="fire", address="boulevard Zerktuni n° 14"),
        "I-c-fire",
        ["same_address", "same_type", "recent"],
        id="address-with-a-typo-no-coordinates",
    ),
    pytest.param(
        new(incident_type="medical", latitude=33.5951, longitude=-7.6418),
        "I-c-crash",
        ["near", "recent"],
        id="near-but-another-type",
    ),
    pytest.param(
        new(caller_e164="+212600000001", incident_type="fire", address="chez moi"),
        "I-c-fire",
        ["same_caller", "same_type", "recent"],
        id="the-same-caller-again",
    ),
    pytest.param(
        new(incident_type="fire", address="Rue de Fès", latitude=33.60, longitude=-7.60),
        None,
        [],
        id="elsewhere-same-type",
    ),
    pytest.param(
        new(incident_type="fire", address="Bd Zerktouni 12", latitude=33.61, longitude=-7.60),
        None,
        [],
        id="same-words-but-coordinates-far-away",
    ),
    pytest.param(
        new(incident_type="fire", address="Bd Zerktouni 140"),
        None,
        [],
        id="same-street-another-number",
    ),
    pytest.param(new(incident_type="fire"), None, [], id="type-and-time-alone"),
]


@pytest.mark.parametrize(("report", "first", "reasons"), CASES)
def test_first_suggestion(report: Report, first: str | None, reasons: list[str]) -> None:
    found = suggest(report, INCIDENTS, NOW)
    if first is None:
        assert found == []
    else:
        assert found[0].incident.id == first
        assert [r.code for r in found[0].reasons] == reasons


def test_best_first_with_figures() -> None:
    # between the two events, nearer the fire, both within a wide radius
    rules = Rules(radius_m=2000, conflict_m=5000)
    report = new(latitude=33.5900, longitude=-7.6350)
    found = suggest(report, INCIDENTS, NOW, rules)
    assert [s.incident.id for s in found] == ["I-c-fire", "I-c-crash"]
    assert found[0].score > found[1].score
    near = next(r for r in found[0].reasons if r.code == "near")
    assert near.value is not None and 250 < near.value < 350
    assert next(r for r in found[0].reasons if r.code == "recent").value == 10


def test_a_closed_incident_is_not_suggested() -> None:
    report = new(incident_type="fire", latitude=33.5883, longitude=-7.6325)
    assert suggest(report, INCIDENTS, T0 + timedelta(minutes=61)) == []
    assert suggest(report, INCIDENTS, T0 + timedelta(minutes=59))[0].incident.id == "I-c-fire"


def test_excluded_and_own_reports_are_not_suggested() -> None:
    report = new(incident_type="fire", latitude=33.5883, longitude=-7.6325)
    assert suggest(report, INCIDENTS, NOW, exclude="I-c-fire") == []
    own = Incident(id="I-c-new", reports=(new(address="12 Bd Zerktouni"),))
    assert suggest(new(address="12 Bd Zerktouni"), [own], NOW) == []


def test_any_report_of_an_incident_counts_and_callers_are_counted() -> None:
    later = Report(call_id="c-2", at=T0 + timedelta(minutes=5), address="Place des Nations Unies 3")
    grown = Incident(id="I-c-fire", reports=(FIRE, later))
    assert grown.callers == 2 and grown.last_at == later.at and grown.opened_at == T0
    found = suggest(new(address="3, place nations unies"), [grown], NOW)
    assert found[0].incident.id == "I-c-fire"
    assert [(r.code, r.value) for r in found[0].reasons] == [
        ("same_address", None),
        ("callers", 2),
        ("recent", 5),
    ]


def street_only(callers: int) -> Incident:
    reports = tuple(
        Report(call_id=f"c{i}", at=T0, incident_type="fire", address=f"Bd Zerktouni {10 + i}")
        for i in range(callers)
    )
    return Incident(id="I-c0", reports=reports)


@pytest.mark.parametrize(
    ("callers", "incident_type", "suggested"),
    [
        (1, "fire", False),  # a street's name alone: uncorroborated
        (4, None, False),  # several callers, but the type is not known yet
        (4, "fire", True),  # same type, and several callers report it
        (4, "theft", False),
    ],
)
def test_a_street_alone_needs_corroboration(
    callers: int, incident_type: str | None, suggested: bool
) -> None:
    report = new(address="boulevard Zerktouni, fumée noire", incident_type=incident_type)
    found = suggest(report, [street_only(callers)], NOW)
    assert bool(found) is suggested
    if found:
        assert [r.code for r in found[0].reasons][:3] == ["same_street", "same_type", "callers"]


def test_another_number_on_the_same_street_is_another_place() -> None:
    assert (
        suggest(new(address="124 Bd Zerktouni", incident_type="fire"), [street_only(8)], NOW) == []
    )


def test_order_does_not_depend_on_the_input() -> None:
    report = new(latitude=33.5900, longitude=-7.6350)
    rules = Rules(radius_m=2000, conflict_m=5000)
    assert suggest(report, INCIDENTS, NOW, rules) == suggest(report, INCIDENTS[::-1], NOW, rules)


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("12 Bd Zerktouni", "boulevard zerktouni", True),
        ("Rue Jaafar", "Bd d'Anfa angle rue Jaafar", False),  # a name within a longer one
        ("Avenue Hassan II", "av. hassan ii", True),
        ("Avenue Hassan II", "Avenue Hassan I", False),
        ("Bd Mohammed V", "Bd Mohammed VI", False),
        ("", "Bd Zerktouni", False),
        ("!!! ---", "???", False),
        ("Boulveard Zerktouni", "Zerktouni", True),  # a typo in the street's kind
        ("Place des Nations Unies près de l'horloge", "nations unies", True),  # a description
        ("Bd Zerktouni 12, immeuble en feu", "Zerktouni 12", True),
    ],
)
def test_street_similarity(a: str, b: str, alike: bool) -> None:
    assert (street_similarity(Address.parse(a), Address.parse(b)) >= Rules().street_similarity) is (
        alike
    )


# --- attachment in the lifecycle -------------------------------------------------------------


def test_first_qualification_opens_the_calls_own_incident() -> None:
    call = call_in(CallState.ANSWERED)
    new_call, effects = transition(call, make(ev.CallQualified))
    assert new_call.incident_id == incident_id_for(call.id)
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.payload["incident_opened"] == incident_id_for(call.id)
    again, effects = transition(new_call, make(ev.CallQualified))
    assert again.incident_id == new_call.incident_id
    assert (
        "incident_opened" not in next(e for e in effects if isinstance(e, AppendTimeline)).payload
    )


def test_attached_call_keeps_its_incident_when_qualified() -> None:
    call = call_in(CallState.ANSWERED)
    attached, effects = transition(call, make(ev.CallAttached, incident_id="I-other"))
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert (step.kind, step.payload["incident_id"], step.payload["by"]) == (
        "attached",
        "I-other",
        "op03",
    )
    qualified, _ = transition(attached, make(ev.CallQualified))
    assert qualified.incident_id == "I-other"


@pytest.mark.parametrize(
    ("over", "refused"),
    [
        ({}, False),
        ({"incident_id": "I-1795319001.4"}, False),  # its own incident, opened alone
        ({"incident_id": "I-someone-else"}, True),  # already attached elsewhere
        ({"dispatch_ticket": "T-own"}, True),  # dispatched on a ticket of its own
    ],
)
def test_who_may_be_attached(over: dict[str, str], refused: bool) -> None:
    call = call_in(CallState.QUALIFIED, **over)
    new_call, effects = transition(call, make(ev.CallAttached, incident_id="I-other"))
    kinds = [e.kind for e in effects if isinstance(e, AppendTimeline)]
    assert kinds == (["anomaly"] if refused else ["attached"])
    assert new_call.incident_id == (call.incident_id if refused else "I-other")


def test_report_added_tells_the_dispatchers_how_many_call() -> None:
    holder = call_in(CallState.CLOSED, qualification=QUALIFICATION, line_ended=True)
    same, effects = transition(holder, make(ev.IncidentReportAdded, callers=3))
    assert same == holder
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.kind == "incident_report"
    assert step.payload["report"]["address"] == QUALIFICATION.address
    assert step.payload["reporter_call_id"] == "1795319009.9"
    counts = [e for e in effects if isinstance(e, NotifyClients) and e.topic == "dispatch"]
    assert [(c.kind, c.payload["callers"], c.payload["id"], c.seat) for c in counts] == [
        ("ticket_callers", 3, "T-1", None)
    ]
    _, effects = transition(holder, make(ev.IncidentReportAdded, ticket_id=None))
    assert not [e for e in effects if isinstance(e, NotifyClients) and e.topic == "dispatch"]
