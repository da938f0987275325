"""The SLA burn-rate predictor as a table: (facts) -> status, and when it says so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callcenter.stats.burn_rate import BurnFacts, confirmed, forecast

# A steady evening on line 19 (the demo scenario): 8 calls/min, 20 seats, ~90 s talk + 15 s wrap-up.
EVENING = BurnFacts(
    arrivals_per_second=8 / 60,
    queue_depth=1,
    longest_wait_seconds=3,
    free_seats=6,
    staffed_seats=20,
    handling_seconds=105,
    window_hits=110,
    window_left=115,
)
# The mass-casualty burst a few seconds in: 150 calls/min on top, every seat busy, a queue
# forming, but the callers who left so far were nearly all answered in time.
BURST = replace(
    EVENING,
    arrivals_per_second=156 / 60,
    queue_depth=12,
    longest_wait_seconds=6,
    free_seats=0,
)


@pytest.mark.parametrize(
    ("name", "facts", "status"),
    [
        ("steady evening", EVENING, "ok"),
        ("quiet night, empty window", replace(EVENING, window_hits=0, window_left=0), "ok"),
        ("mass-casualty burst", BURST, "at_risk"),
        ("already breached", replace(EVENING, window_hits=80, window_left=100), "breached"),
        (
            "start of the shift: one caller of three waited too long, the evening goes on",
            replace(EVENING, window_hits=2, window_left=3, queue_depth=0),
            "ok",
        ),
        (
            "nobody staffed, callers arriving",
            replace(EVENING, staffed_seats=0, free_seats=0, queue_depth=2),
            "at_risk",
        ),
        (
            "one caller waiting long on a quiet night: not enough to say",
            replace(
                EVENING,
                arrivals_per_second=0.0,
                queue_depth=1,
                longest_wait_seconds=40,
                free_seats=0,
                window_hits=0,
                window_left=0,
            ),
            "ok",
        ),
        (
            "arrivals just above capacity: a slow burn, seen within the horizon",
            replace(
                EVENING,
                arrivals_per_second=0.3,
                free_seats=0,
                queue_depth=5,
                longest_wait_seconds=10,
            ),
            "at_risk",
        ),
    ],
)
def test_status(name: str, facts: BurnFacts, status: str) -> None:
    assert forecast(facts).status == status, name


def test_the_burst_is_announced_before_the_measured_figure_falls() -> None:
    result = forecast(BURST)
    assert result.measured is not None and result.measured >= 90
    assert result.breach_in_seconds is not None
    assert 0 < result.breach_in_seconds <= 120
    assert result.projected is not None and result.projected < 90


def test_a_bigger_burst_breaches_sooner() -> None:
    slow = forecast(replace(BURST, arrivals_per_second=1.0))
    fast = forecast(replace(BURST, arrivals_per_second=4.0))
    assert slow.breach_in_seconds is not None and fast.breach_in_seconds is not None
    assert fast.breach_in_seconds <= slow.breach_in_seconds


def test_more_seats_push_the_breach_away() -> None:
    edge = replace(EVENING, arrivals_per_second=0.25, free_seats=0, queue_depth=4)
    assert forecast(edge).status == "at_risk"
    assert forecast(replace(edge, staffed_seats=40)).status == "ok"


def test_a_short_horizon_does_not_see_a_slow_burn() -> None:
    slow = replace(EVENING, arrivals_per_second=0.3, free_seats=0, queue_depth=5)
    assert forecast(slow, horizon_seconds=10).status == "ok"


def test_model_figures() -> None:
    result = forecast(EVENING)
    assert result.service_per_minute == pytest.approx(20 / 105 * 60, abs=0.01)
    assert result.arrivals_per_minute == pytest.approx(8.0)
    assert result.predicted_wait_seconds == 0.0  # the free seats take the caller waiting
    assert result.breach_in_seconds is None


def test_at_risk_counts_when_said_twice_in_a_row() -> None:
    risk = forecast(BURST)
    assert confirmed(None, risk).status == "ok"
    assert confirmed("ok", risk).status == "ok"
    assert confirmed("at_risk", risk).status == "at_risk"
    assert confirmed("breached", risk).status == "at_risk"
    breached = forecast(replace(EVENING, window_hits=80, window_left=100))
    assert confirmed(None, breached).status == "breached"  # a fact, not a forecast
