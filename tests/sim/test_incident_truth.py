"""The mass-casualty scenario's ground truth: which callers report which event, drawn the same
way every time from its file."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callcenter.domain.dispatch import haversine_km
from callcenter.sim.incident_truth import TruthError, load_truth, parse_truth, reports


def test_the_packaged_truth_draws_the_same_burst_every_time() -> None:
    truth = load_truth("mass-casualty")
    calls = reports(truth)
    assert calls == reports(truth)
    assert len(calls) == truth.calls
    assert [c.index for c in calls] == list(range(truth.calls))
    assert all(truth.start <= c.at <= truth.start + truth.over for c in calls)
    assert [c.at for c in calls] == sorted(c.at for c in calls)
    assert reports(replace(truth, seed=truth.seed + 1)) != calls


def test_callers_report_the_events_as_the_file_says() -> None:
    truth = load_truth("mass-casualty")
    events = {e.id: e for e in truth.events}
    calls = reports(truth)
    unrelated = [c for c in calls if c.event is None]
    assert 0.08 < len(unrelated) / len(calls) < 0.25  # the file's 15 %, drawn
    for call in calls:
        if call.event is None:
            continue
        event = events[call.event]
        assert truth.start + event.at <= call.at  # nobody reports an event before it happens
        if call.latitude is not None and call.longitude is not None:
            error_m = 1000 * haversine_km(
                call.latitude, call.longitude, event.latitude, event.longitude
            )
            assert error_m < 6 * truth.coordinate_error_m
    reported = {c.event for c in calls}
    assert set(events) <= reported
    # some callers call again about the same event
    seen: dict[str, set[str]] = {}
    repeats = 0
    for call in calls:
        if call.event:
            repeats += call.caller_e164 in seen.setdefault(call.event, set())
            seen[call.event].add(call.caller_e164)
    assert repeats > 0


@pytest.mark.parametrize(
    "text",
    ["calls = 3", "not toml [", 'calls = 0\ndistrict = [0,0,1,1]\n[[events]]\nid="x"'],
)
def test_a_file_it_cannot_use_is_refused(text: str) -> None:
    with pytest.raises(TruthError):
        parse_truth(text)


def test_an_unknown_scenario_has_no_truth() -> None:
    with pytest.raises(TruthError):
        load_truth("no-such-scenario")
