"""Queue statistics: a table of timelines and the figures they must give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.seats import Seat, SeatState
from callcenter.stats.queue import Step, compute

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def seats(*states: SeatState) -> list[Seat]:
    return [Seat(name=f"S{i}", interface=f"PJSIP/s{i}", state=s) for i, s in enumerate(states)]


S = SeatState
CASES = [
    # name, window, answered (minutes ago, hold), abandoned, waiting since (min ago), seats,
    # expected subset
    (
        "empty room",
        "15m",
        [],
        [],
        [],
        [],
        {
            "answered": 0,
            "abandoned": 0,
            "answered_within": {"10": None, "15": None, "20": None},
            "average_speed_of_answer": None,
            "abandon_rate": None,
            "calls_waiting": 0,
            "longest_wait_seconds": None,
            "occupancy": None,
        },
    ),
    (
        "thresholds are inclusive and abandons count as misses",
        "15m",
        [(1, 10), (2, 15), (3, 20), (4, 25)],
        [(5, 3)],
        [],
        [],
        {
            "answered": 4,
            "abandoned": 1,
            "answered_within": {"10": 20.0, "15": 40.0, "20": 60.0},
            "average_speed_of_answer": 17.5,
            "abandon_rate": 20.0,
        },
    ),
    (
        "windows: 15 minutes, hour, shift",
        "15m",
        [(14, 5), (16, 5), (59, 5), (61, 5), (479, 5), (481, 5)],
        [(30, 9)],
        [],
        [],
        {"answered": 1, "abandoned": 0, "abandon_rate": 0.0},
    ),
    (
        "windows: the hour",
        "1h",
        [(14, 5), (16, 5), (59, 5), (61, 5), (479, 5), (481, 5)],
        [(30, 9)],
        [],
        [],
        {
            "answered": 3,
            "abandoned": 1,
            "abandon_rate": 25.0,
            "answered_within": {"10": 75.0, "15": 75.0, "20": 75.0},
        },
    ),
    (
        "windows: the shift (8 h)",
        "shift",
        [(14, 5), (16, 5), (59, 5), (61, 5), (479, 5), (481, 5)],
        [(30, 9)],
        [],
        [],
        {"answered": 5, "abandoned": 1},
    ),
    (
        "unknown hold time is left out of the averages but counts as answered",
        "15m",
        [(1, None), (2, 4)],
        [],
        [],
        [],
        {
            "answered": 2,
            "average_speed_of_answer": 4.0,
            "answered_within": {"10": 50.0, "15": 50.0, "20": 50.0},
        },
    ),
    (
        "waiting calls and seats",
        "15m",
        [],
        [],
        [0.5, 2, 1],
        [S.AVAILABLE, S.IN_CALL, S.IN_CALL, S.WRAP_UP, S.PAUSED, S.LOGGED_OUT, S.RINGING],
        {
            "calls_waiting": 3,
            "longest_wait_seconds": 120.0,
            "seats_by_state": {
                "logged_out": 1,
                "available": 1,
                "ringing": 1,
                "in_call": 2,
                "wrap_up": 1,
                "paused": 1,
            },
            "occupancy": 60.0,
        },
    ),
]


@pytest.mark.parametrize(
    ("window", "answered", "abandoned", "waiting", "seat_states", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_queue_stats(
    window: str,
    answered: list[tuple[float, int | None]],
    abandoned: list[tuple[float, int]],
    waiting: list[float],
    seat_states: list[SeatState],
    expected: dict[str, object],
) -> None:
    stats = compute(
        now=NOW,
        window=window,
        answered=[Step(ago(m), h) for m, h in answered],
        abandoned=[Step(ago(m), h) for m, h in abandoned],
        waiting_since=[ago(m) for m in waiting],
        seats=seats(*seat_states),
    )
    got = vars(stats)
    assert {k: got[k] for k in expected} == expected


def test_service_level_and_speed_of_answer_count_the_wait_from_entry() -> None:
    """A caller who waited 30 s on the overflow path, then 5 s in the queue, was not answered
    within 10 s: the figures use the wait from entry, not Asterisk's HoldTime of the queue."""
    stats = compute(
        now=NOW,
        window="15m",
        answered=[Step(ago(1), 5, wait_seconds=35), Step(ago(2), 4, wait_seconds=6)],
        abandoned=[Step(ago(3), None, wait_seconds=50)],
        waiting_since=[],
        seats=[],
    )
    assert stats.answered_within == {"10": 33.3, "15": 33.3, "20": 33.3}
    assert stats.average_speed_of_answer == 20.5
    assert stats.abandon_rate == 33.3
