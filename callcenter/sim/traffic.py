"""Traffic for the simulated room: a scenario file (TOML) turned into callers on a time line.

A scenario says how calls arrive (steady Poisson rate, mass-casualty bursts of N calls over S
seconds), who calls (silent and prank calls, repeat callers, withheld numbers, a share with a
preset priority), how long callers wait before hanging up (``patience``) and talk
(``talk``), how the simulated operators ring and answer, the random ``seed`` (same seed, same
calls) and a ``time_factor`` (60 = an hour in a minute). See ``scenarios/*.toml``.
``load_scenario`` raises ``ScenarioError`` naming the bad field.
"""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from callcenter.errors import CallcenterError
from callcenter.sim.calls import CallSpec
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions

DISTRIBUTIONS = ("fixed", "uniform", "exponential", "lognormal")


class ScenarioError(CallcenterError):
    """The scenario file cannot be used."""


@dataclass(frozen=True)
class Distribution:
    kind: str = "lognormal"
    mean: float = 60.0
    low: float = 1.0
    high: float = 600.0

    def sample(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            value = self.mean
        elif self.kind == "uniform":
            value = rng.uniform(self.low, self.high)
        elif self.kind == "exponential":
            value = rng.expovariate(1.0 / self.mean)
        else:
            sigma = 0.6
            value = rng.lognormvariate(math.log(self.mean) - sigma * sigma / 2, sigma)
        return min(max(value, self.low), self.high)


@dataclass(frozen=True)
class Burst:
    at: float
    calls: int
    over: float


@dataclass(frozen=True)
class Scenario:
    name: str = "default"
    seed: int = 19
    duration: float = 600.0
    time_factor: float = 1.0
    queue: str = "line19"
    per_minute: float = 4.0
    bursts: tuple[Burst, ...] = ()
    silent: float = 0.0
    prank: float = 0.0
    repeat: float = 0.0
    withheld: float = 0.0
    priority_share: float = 0.0
    priority_value: int = 10
    caller_hangs_up: float = 0.0
    patience: Distribution = field(default_factory=lambda: Distribution(mean=90, high=600))
    talk: Distribution = field(default_factory=lambda: Distribution(mean=120, low=10, high=900))
    ring_min: float = 1.0
    ring_max: float = 4.0
    no_answer: float = 0.0
    manual: tuple[str, ...] = ()

    def options(self, base: SimOptions) -> SimOptions:
        return replace(
            base,
            seed=self.seed,
            ring_min=self.ring_min,
            ring_max=self.ring_max,
            no_answer_ratio=self.no_answer,
            manual_seats=frozenset(base.manual_seats | set(self.manual)),
        )


def _dist(data: Any, default: Distribution, where: str) -> Distribution:
    if data is None:
        return default
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a table")
    kind = str(data.get("distribution", default.kind))
    if kind not in DISTRIBUTIONS:
        raise ScenarioError(f"{where}.distribution: one of {', '.join(DISTRIBUTIONS)}")
    try:
        dist = Distribution(
            kind,
            float(data.get("mean", default.mean)),
            float(data.get("min", default.low)),
            float(data.get("max", default.high)),
        )
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: numbers expected ({exc})") from exc
    if dist.mean <= 0 or dist.low < 0 or dist.high < dist.low:
        raise ScenarioError(f"{where}: need mean > 0 and 0 <= min <= max")
    return dist


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: {exc}") from exc
    base = Scenario()
    arrivals, callers, seats = (data.get(k, {}) for k in ("arrivals", "callers", "seats"))
    try:
        bursts = tuple(
            Burst(float(b["at"]), int(b["calls"]), float(b.get("over", 60)))
            for b in data.get("bursts", [])
        )
        scenario = Scenario(
            name=str(data.get("name", name)),
            seed=int(data.get("seed", base.seed)),
            duration=float(data.get("duration", base.duration)),
            time_factor=float(data.get("time_factor", base.time_factor)),
            queue=str(data.get("queue", base.queue)),
            per_minute=float(arrivals.get("per_minute", base.per_minute)),
            bursts=bursts,
            silent=float(callers.get("silent", 0.0)),
            prank=float(callers.get("prank", 0.0)),
            repeat=float(callers.get("repeat", 0.0)),
            withheld=float(callers.get("withheld", 0.0)),
            priority_share=float(callers.get("priority_share", 0.0)),
            priority_value=int(callers.get("priority_value", 10)),
            caller_hangs_up=float(callers.get("caller_hangs_up", 0.0)),
            patience=_dist(data.get("patience"), base.patience, "patience"),
            talk=_dist(data.get("talk"), base.talk, "talk"),
            ring_min=float(seats.get("ring_min", base.ring_min)),
            ring_max=float(seats.get("ring_max", base.ring_max)),
            no_answer=float(seats.get("no_answer", 0.0)),
            manual=tuple(str(s) for s in seats.get("manual", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScenarioError(f"{name}: bad value ({exc!r})") from exc
    shares = (scenario.silent, scenario.prank, scenario.repeat, scenario.withheld)
    if any(not 0 <= s <= 1 for s in shares) or scenario.silent + scenario.prank > 1:
        raise ScenarioError(f"{name}: caller shares must be within 0..1")
    if scenario.duration < 0 or scenario.per_minute < 0 or scenario.time_factor <= 0:
        raise ScenarioError(f"{name}: duration, per_minute >= 0 and time_factor > 0")
    if scenario.ring_max < scenario.ring_min:
        raise ScenarioError(f"{name}: seats.ring_max < seats.ring_min")
    return scenario


def packaged_scenarios() -> list[str]:
    folder = resources.files("callcenter.sim") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A packaged scenario by name (``line19-demo``) or a TOML file path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return parse_scenario(path.read_text(encoding="utf-8"), path.stem)
    if name_or_path in packaged_scenarios():
        text = (resources.files("callcenter.sim") / "scenarios" / f"{name_or_path}.toml").read_text(
            encoding="utf-8"
        )
        return parse_scenario(text, name_or_path)
    known = ", ".join(packaged_scenarios())
    raise ScenarioError(f"no scenario file {name_or_path!r} (packaged: {known})")


class Traffic:
    """Turns a scenario into timed callers on a simulator (same seed, same calls)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.rng = random.Random(scenario.seed)
        self.numbers: list[str] = []

    def arrivals(self, limit: int | None = None) -> list[float]:
        s, rng = self.scenario, self.rng
        times: list[float] = []
        if s.per_minute > 0:
            t = rng.expovariate(s.per_minute / 60.0)
            while t < s.duration:
                times.append(t)
                t += rng.expovariate(s.per_minute / 60.0)
        for burst in s.bursts:
            times.extend(burst.at + rng.uniform(0, burst.over) for _ in range(burst.calls))
        times.sort()
        return times[:limit] if limit is not None else times

    def caller(self) -> CallSpec:
        s, rng = self.scenario, self.rng
        if self.numbers and rng.random() < s.repeat:
            number = rng.choice(self.numbers)
        elif rng.random() < s.withheld:
            number = "anonymous"
        else:
            number = f"0{rng.choice('67')}{rng.randrange(10**8):08d}"
            self.numbers.append(number)
        roll = rng.random()
        if roll < s.silent:
            kind, talk = "silent", rng.uniform(3, 12)
        elif roll < s.silent + s.prank:
            kind, talk = "prank", rng.uniform(5, 25)
        else:
            kind, talk = "normal", s.talk.sample(rng)
        priority = s.priority_value if rng.random() < s.priority_share else None
        return CallSpec(
            number=number,
            queue=s.queue,
            patience=round(s.patience.sample(rng), 3),
            talk=round(talk, 3),
            caller_ends=kind == "normal" and rng.random() < s.caller_hangs_up,
            priority=priority,
            kind=kind,
        )

    def schedule(
        self, sim: Simulator, *, start: float | None = None, limit: int | None = None
    ) -> int:
        """Put every caller of the scenario on the simulator's time line; returns how many."""
        origin = sim.now if start is None else start
        times = self.arrivals(limit)
        for at in times:
            sim.scheduler.at(origin + at, sim.enter, self.caller())
        return len(times)
