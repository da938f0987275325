"""SLA burn-rate predictor: will the "90 % answered within 15 s" target be breached soon?

Pure: facts in, a forecast out; no clock, no I/O (``burn_source.py`` reads the facts). The model
is a fluid queue, stepped every ``STEP`` seconds over the horizon (docs/wallboard.md):

- the seats staffed and not paused (``staffed``) serve ``staffed / handling_seconds`` callers a
  second (``handling_seconds``: the recent mean talk time plus wrap-up); the free seats take
  ``free`` callers from the head of the queue at once;
- the callers waiting now are spread evenly between the longest wait and now; callers arrive
  at the recent rate (``arrivals_per_second``); the queue is served first come, first served
  (a fluid FIFO of cohorts), and a caller served after waiting at most ``target_seconds`` is a
  hit, else a miss;
- the projected figure at t is (hits in the window + projected hits) over (callers who left the
  queue in the window + projected served); the forecast is the first t where it falls below
  ``target_ratio``, once at least ``MIN_PROJECTED`` callers are projected (one caller more or
  less on a quiet night does not raise the alarm).

A figure over fewer than ``MIN_VOLUME`` callers (the first minutes of a shift: one caller of
three who waited 16 s is "67 %") decides nothing. It says ``breached`` when the measured
figure is already below target, ``at_risk`` with the
seconds left when the projection crosses the target within the horizon, else ``ok``. Abandons
are not modelled (a caller who gives up counts as a miss in the measured figure, so the
projection is, if anything, optimistic: the alert is early enough, never spurious on that count).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

STEP = 5.0  # seconds per step of the projection
MIN_PROJECTED = 3  # projected callers served before a projected miss ratio is believed
MIN_VOLUME = 10  # callers in the window (measured + projected) before the figure means anything

Status = Literal["ok", "at_risk", "breached"]


@dataclass(frozen=True, kw_only=True)
class BurnFacts:
    arrivals_per_second: float  # recent arrival rate into the queue
    queue_depth: int  # callers waiting now
    longest_wait_seconds: float  # the oldest waiting caller's wait now (0 if none)
    free_seats: int  # staffed seats available now
    staffed_seats: int  # seats logged in and not paused (available, ringing, in call, wrap-up)
    handling_seconds: float  # recent mean talk time + wrap-up per call
    window_hits: int  # callers answered within the target in the SLA window
    window_left: int  # callers who left the queue in the window (answered + abandoned)


@dataclass(frozen=True, kw_only=True)
class Forecast:
    status: Status
    measured: float | None  # the window's figure now (%), None without callers
    projected: float | None  # the projection at the horizon or at the breach (%)
    breach_in_seconds: float | None  # when the projection crosses the target (at_risk)
    horizon_seconds: float
    predicted_wait_seconds: float  # wait of a caller arriving now, by the model
    service_per_minute: float  # callers the staffed seats serve a minute
    arrivals_per_minute: float


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole > 0 else None


def forecast(
    facts: BurnFacts,
    *,
    target_seconds: float = 15.0,
    target_ratio: float = 0.9,
    horizon_seconds: float = 300.0,
) -> Forecast:
    """Project the SLA figure ``horizon_seconds`` ahead; see the module doc for the model."""
    rate = facts.staffed_seats / facts.handling_seconds if facts.handling_seconds > 0 else 0.0
    measured_ratio = facts.window_hits / facts.window_left if facts.window_left else None
    measured = None if measured_ratio is None else round(100.0 * measured_ratio, 1)
    depth = float(max(0, facts.queue_depth - facts.free_seats))
    wait_now = depth / rate if rate > 0 else float("inf")
    common = {
        "horizon_seconds": horizon_seconds,
        "predicted_wait_seconds": round(min(wait_now, 3600.0), 1),
        "service_per_minute": round(rate * 60, 2),
        "arrivals_per_minute": round(facts.arrivals_per_second * 60, 2),
    }
    if (
        measured_ratio is not None
        and measured_ratio < target_ratio
        and facts.window_left >= MIN_VOLUME
    ):
        return Forecast(
            status="breached",
            measured=measured,
            projected=measured,
            breach_in_seconds=0.0,
            **common,
        )

    hits, left = float(facts.window_hits), float(facts.window_left)
    queue = _backlog(facts)
    # The free seats take the callers at the head of the queue at once.
    served, hit = _serve(queue, float(facts.free_seats), 0.0, target_seconds)
    hits, left, projected = hits + hit, left + served, served
    t = 0.0
    while t < horizon_seconds:
        t += STEP
        queue.append([facts.arrivals_per_second * STEP, t - STEP / 2])
        served, hit = _serve(queue, rate * STEP, t, target_seconds)
        hits, left, projected = hits + hit, left + served, projected + served
        stalled = rate <= 0 and sum(c[0] for c in queue) > 0 and t >= target_seconds
        believed = projected >= MIN_PROJECTED and left >= MIN_VOLUME
        if stalled or (believed and hits / left < target_ratio):
            # Nobody to answer (stalled): every caller from now on waits past the target.
            waiting = sum(c[0] for c in queue) if stalled else 0.0
            return Forecast(
                status="at_risk",
                measured=measured,
                projected=_pct(hits, left + waiting),
                breach_in_seconds=t,
                **common,
            )
    return Forecast(
        status="ok",
        measured=measured,
        projected=_pct(hits, left),
        breach_in_seconds=None,
        **common,
    )


BACKLOG_COHORTS = 10


def _backlog(facts: BurnFacts) -> list[list[float]]:
    """The callers waiting now as FIFO cohorts ``[amount, arrived_at]`` (seconds, now = 0),
    spread evenly from the longest wait to now (the oldest first)."""
    if facts.queue_depth <= 0:
        return []
    n = min(BACKLOG_COHORTS, facts.queue_depth)
    share = facts.queue_depth / n
    oldest = max(0.0, facts.longest_wait_seconds)
    return [[share, -oldest + oldest * i / n] for i in range(n)]


def _serve(
    queue: list[list[float]], capacity: float, now: float, target: float
) -> tuple[float, float]:
    """Serve up to ``capacity`` callers from the head of ``queue`` (mutated) at ``now``;
    returns (served, served within ``target``)."""
    served = hit = 0.0
    while queue and capacity > 1e-9:
        cohort = queue[0]
        take = min(cohort[0], capacity)
        served += take
        if now - cohort[1] <= target:
            hit += take
        cohort[0] -= take
        capacity -= take
        if cohort[0] <= 1e-9:
            queue.pop(0)
    return served, hit


def confirmed(previous: Status | None, current: Forecast) -> Forecast:
    """An "at risk" forecast counts once it is made twice in a row (``previous``: the raw
    status of the forecast before, one board tick earlier). A few callers queued while every
    seat is busy, gone seconds later, alarm nobody; a surge is still announced one tick later.
    """
    if current.status == "at_risk" and previous not in ("at_risk", "breached"):
        return replace(current, status="ok")
    return current
