"""The ground truth of a scenario's incidents: which caller reports which event, and what they
tell the operator (``truth/<scenario>.toml``, e.g. the mass-casualty burst).

``load_truth`` reads the file; ``reports`` draws the burst's calls from it, in arrival order,
deterministically (the file's seed): each ``TruthCall`` names its event (None: a call about
something else) and carries what the operator would enter (incident type, priority, address as
the caller said it, the handset's coordinates when known) and the caller's number. Imports only
``callcenter.errors`` (the simulator's rule); raises ``TruthError`` for a file it cannot use.
"""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from callcenter.errors import CallcenterError

METRES_PER_DEGREE = 111_320.0


class TruthError(CallcenterError):
    """The ground-truth file cannot be used."""


@dataclass(frozen=True)
class TruthEvent:
    id: str
    type: str
    priority: str
    at: float  # seconds into the burst
    weight: float
    latitude: float
    longitude: float
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Truth:
    scenario: str
    seed: int
    calls: int
    start: float
    over: float
    unrelated: float
    repeat: float
    coordinates: float
    coordinate_error_m: float
    typo: float
    no_number: float
    wrong_type: float
    district: tuple[float, float, float, float]
    events: tuple[TruthEvent, ...]
    streets: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True)
class TruthCall:
    """One call of the burst: who calls, about what, and what the operator enters."""

    index: int
    at: float  # seconds since the scenario's start
    caller_e164: str
    event: str | None  # None: a call about something else
    incident_type: str
    priority: str
    address: str
    latitude: float | None
    longitude: float | None


def parse_truth(text: str, name: str = "truth") -> Truth:
    try:
        data: dict[str, Any] = tomllib.loads(text)
        events = tuple(
            TruthEvent(
                id=str(e["id"]),
                type=str(e["type"]),
                priority=str(e["priority"]),
                at=float(e.get("at", 0)),
                weight=float(e["weight"]),
                latitude=float(e["latitude"]),
                longitude=float(e["longitude"]),
                addresses=tuple(str(a) for a in e["addresses"]),
            )
            for e in data["events"]
        )
        south, west, north, east = (float(v) for v in data["district"])
        places = data.get("unrelated_places", {})
        truth = Truth(
            scenario=str(data.get("scenario", name)),
            seed=int(data.get("seed", 19)),
            calls=int(data["calls"]),
            start=float(data.get("start", 0)),
            over=float(data.get("over", 60)),
            unrelated=float(data.get("unrelated", 0)),
            repeat=float(data.get("repeat", 0)),
            coordinates=float(data.get("coordinates", 0)),
            coordinate_error_m=float(data.get("coordinate_error_m", 0)),
            typo=float(data.get("typo", 0)),
            no_number=float(data.get("no_number", 0)),
            wrong_type=float(data.get("wrong_type", 0)),
            district=(south, west, north, east),
            events=events,
            streets=tuple(str(s) for s in places.get("streets", ["Rue inconnue"])),
            types=tuple(str(t) for t in places.get("types", ["other"])),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise TruthError(f"{name}: {exc!r}") from exc
    if not events or not all(e.addresses and e.weight > 0 for e in events) or truth.calls < 1:
        raise TruthError(f"{name}: needs events with addresses and weights, and calls")
    return truth


def load_truth(name_or_path: str) -> Truth:
    """A packaged ground truth by scenario name (``mass-casualty``), or a ``.toml`` path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return parse_truth(path.read_text(encoding="utf-8"), path.stem)
    folder = resources.files("callcenter.sim") / "truth"
    try:
        text = (folder / f"{name_or_path}.toml").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise TruthError(f"no ground truth for {name_or_path!r}") from exc
    return parse_truth(text, name_or_path)


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the fingers: two letters swapped, or one dropped."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _as_said(address: str, truth: Truth, rng: random.Random) -> str:
    words = address.split()
    if rng.random() < truth.no_number:
        words = [w for w in words if not any(c.isdigit() for c in w)] or words
    if rng.random() < truth.typo:
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            words[i] = _typo(words[i], rng)
    return " ".join(words)


def _noisy(lat: float, lon: float, truth: Truth, rng: random.Random) -> tuple[float, float]:
    sigma = truth.coordinate_error_m
    dlat = rng.gauss(0, sigma) / METRES_PER_DEGREE
    dlon = rng.gauss(0, sigma) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _number(rng: random.Random) -> str:
    return f"+2126{rng.randrange(10**8):08d}"


def reports(truth: Truth) -> list[TruthCall]:
    """The burst's calls in arrival order, each with its event and what the operator enters."""
    rng = random.Random(truth.seed)
    times = sorted(truth.start + rng.uniform(0, truth.over) for _ in range(truth.calls))
    callers: dict[str, list[str]] = {e.id: [] for e in truth.events}
    found: list[TruthCall] = []
    for index, at in enumerate(times):
        started = [e for e in truth.events if truth.start + e.at <= at]
        if not started or rng.random() < truth.unrelated:
            found.append(_unrelated(index, at, truth, rng))
            continue
        event = rng.choices(started, weights=[e.weight for e in started])[0]
        known = callers[event.id]
        caller = rng.choice(known) if known and rng.random() < truth.repeat else _number(rng)
        known.append(caller)
        kind = event.type
        if rng.random() < truth.wrong_type:
            kind = rng.choice([t for t in truth.types if t != event.type] or [kind])
        lat = lon = None
        if rng.random() < truth.coordinates:
            lat, lon = _noisy(event.latitude, event.longitude, truth, rng)
        found.append(
            TruthCall(
                index=index,
                at=at,
                caller_e164=caller,
                event=event.id,
                incident_type=kind,
                priority=event.priority,
                address=_as_said(rng.choice(event.addresses), truth, rng),
                latitude=lat,
                longitude=lon,
            )
        )
    return found


def _unrelated(index: int, at: float, truth: Truth, rng: random.Random) -> TruthCall:
    south, west, north, east = truth.district
    lat, lon = rng.uniform(south, north), rng.uniform(west, east)
    has_coordinates = rng.random() < truth.coordinates
    street = rng.choice(truth.streets)
    return TruthCall(
        index=index,
        at=at,
        caller_e164=_number(rng),
        event=None,
        incident_type=rng.choice(truth.types),
        priority=rng.choice(["P2", "P3", "P4"]),
        address=_as_said(f"{rng.randrange(1, 200)} {street}", truth, rng),
        latitude=round(lat, 6) if has_coordinates else None,
        longitude=round(lon, 6) if has_coordinates else None,
    )
