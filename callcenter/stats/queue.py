"""Queue statistics: pure computation over timeline facts, no I/O.

Definitions (over the window ``[now - window, now]``):
- answered / abandoned: calls whose outcome (``callcenter.domain.outcomes``: the one vocabulary
  the export and the simulator use too) is answered (transferred and handed off included) or
  abandoned (in the queue, ringing, or on the overflow path), decided in the window: at the
  answer, or at the hang-up of an abandoned call;
- answered_within[N] (%): answered calls whose wait from entry (``wait_seconds``: entry to
  answer, overflow rounds included) is <= N seconds, over answered + abandoned (an abandon
  counts as a miss); None if neither. Asterisk's HoldTime (``hold_seconds``, the last queue
  stay only) is used only when the wait from entry is unknown;
- average_speed_of_answer: mean wait from entry of the answered calls (same fallback); None if
  none;
- abandon_rate (%): abandoned over answered + abandoned; None if neither;
- calls_waiting / longest_wait_seconds: calls queued or offered now, and the longest wait among
  them, counted from entry (so a caller who came through the overflow path shows it all);
- seats_by_state: every state with its count (zeros included);
- occupancy (%): seats in a call or wrap-up over seats staffed and not paused
  (available, ringing, in call, wrap-up); None if none is staffed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from callcenter.domain.seats import Seat, SeatState

THRESHOLDS = (10, 15, 20)
WINDOWS: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "shift": timedelta(hours=8),
}


@dataclass(frozen=True)
class Step:
    """An answered or abandoned call: when it was decided, Asterisk's HoldTime of the last
    queue stay, and the caller's wait from entry (None if unknown)."""

    at: datetime
    hold_seconds: int | None
    wait_seconds: int | None = None

    @property
    def waited(self) -> int | None:
        return self.wait_seconds if self.wait_seconds is not None else self.hold_seconds


@dataclass(frozen=True, kw_only=True)
class QueueStats:
    window: str
    since: datetime
    calls_waiting: int
    longest_wait_seconds: float | None
    answered: int
    abandoned: int
    answered_within: dict[str, float | None] = field(default_factory=dict)
    average_speed_of_answer: float | None = None
    abandon_rate: float | None = None
    seats_by_state: dict[str, int] = field(default_factory=dict)
    occupancy: float | None = None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def compute(
    *,
    now: datetime,
    window: str,
    answered: Sequence[Step],
    abandoned: Sequence[Step],
    waiting_since: Sequence[datetime],
    seats: Sequence[Seat],
) -> QueueStats:
    since = now - WINDOWS[window]
    ans = [s for s in answered if since <= s.at <= now]
    abd = [s for s in abandoned if since <= s.at <= now]
    left = len(ans) + len(abd)
    holds = [w for s in ans if (w := s.waited) is not None]
    within = {str(n): _pct(sum(1 for h in holds if h <= n), left) for n in THRESHOLDS}
    waits = [(now - t).total_seconds() for t in waiting_since]
    by_state = {state.value: 0 for state in SeatState}
    for seat in seats:
        by_state[seat.state.value] += 1
    busy = by_state[SeatState.IN_CALL] + by_state[SeatState.WRAP_UP]
    staffed = busy + by_state[SeatState.AVAILABLE] + by_state[SeatState.RINGING]
    return QueueStats(
        window=window,
        since=since,
        calls_waiting=len(waiting_since),
        longest_wait_seconds=round(max(waits), 1) if waits else None,
        answered=len(ans),
        abandoned=len(abd),
        answered_within=within,
        average_speed_of_answer=round(sum(holds) / len(holds), 1) if holds else None,
        abandon_rate=_pct(len(abd), left),
        seats_by_state=by_state,
        occupancy=_pct(busy, staffed),
    )
