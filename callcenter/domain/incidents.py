"""Incidents: the calls that report one event, and which open incident a new call probably reports.

An incident is opened by the first call qualified about an event (its id derives from that
call's, ``incident_id_for``); later calls are attached to it by an operator. ``suggest`` ranks
the open incidents a call may belong to, best first, each with the reasons an operator is shown
(``Reason``): the same caller, a place near one already reported (coordinates within
``Rules.radius_m``), the same street and number, the same street, the same incident type, how
recent it is. An incident is open while its last report is younger than ``Rules.window``.

Pure: values and arithmetic only (the distance is ``domain.dispatch.haversine_km``, the one the
units' distances use). Never raises for odd input: an address with no words matches nothing.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.domain.dispatch import haversine_km

INCIDENT_PREFIX = "I-"


def incident_id_for(call_id: str) -> str:
    """The id of the incident a call opens (the first qualified call about an event)."""
    return INCIDENT_PREFIX + call_id


@dataclass(frozen=True, kw_only=True)
class Report:
    """What one call says of its event: the operator's qualification, the caller, the time."""

    call_id: str
    at: datetime
    caller_e164: str | None = None
    incident_type: str | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, kw_only=True)
class Incident:
    """An event as the room knows it: its reports, the opener's first."""

    id: str
    reports: tuple[Report, ...]
    priority: str | None = None
    ticket_id: str | None = None
    ticket_state: str | None = None

    @property
    def opener(self) -> Report:
        return self.reports[0]

    @property
    def opened_at(self) -> datetime:
        return self.reports[0].at

    @property
    def last_at(self) -> datetime:
        return max(r.at for r in self.reports)

    @property
    def callers(self) -> int:
        """How many calls report it."""
        return len({r.call_id for r in self.reports})


@dataclass(frozen=True)
class Reason:
    """Why an incident is suggested: ``code`` (``same_caller``, ``near``, ``same_address``,
    ``same_street``, ``same_type``, ``callers``, ``recent``) and its figure (metres for near,
    how many calls report it for callers, minutes since its last call for recent)."""

    code: str
    value: int | None = None


@dataclass(frozen=True)
class Suggestion:
    incident: Incident
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Rules:
    """How far, how recent and how alike a report must be to suggest an incident."""

    radius_m: float = 250.0  # coordinates this close are "near"
    conflict_m: float = 700.0  # coordinates this far apart are another place
    window: timedelta = timedelta(minutes=60)  # an incident with no report for this long is closed
    street_similarity: float = 0.75  # street names this alike (0..1) are the same street
    number_gap: int = 6  # house numbers this close (same street) are the same place
    min_score: float = 2.5
    # A street's name alone (no number, no coordinates, not the same caller) is weak evidence,
    # streets being long: it needs the same type and an incident several callers report.
    street_only_score: float = 4.5
    limit: int = 3


# Words that name no street: street kinds, "number", articles (typed with a typo too).
_KINDS = (
    "rue bd boulevard blvd av avenue ave place impasse derb route quartier hay residence numero num"
)
_FILLER = frozenset(
    (
        _KINDS + " r pl imp rte qt res n no nr de du des la le les l d el al au "
        "aux a en et casablanca"
    ).split()
)
_LONG_FILLERS = tuple(w for w in _KINDS.split() if len(w) >= 5)
# Where the street ends and the caller's description begins ("12 Bd Zerktouni, immeuble en
# feu", "place des Nations Unies près de l'horloge", "Bd d'Anfa angle rue Jaafar").
_DESCRIPTION = re.compile(
    r"[,;(]|\b(?:pres|devant|face|cote|angle|immeuble|imm|apt|appartement|etage|entre|vers|"
    r"derriere|juste|chez|a cote)\b"
)
_TOKEN = re.compile(r"[a-z]+|\d+")
# Kings' numerals name streets (Bd Mohammed V, Av. Hassan II): words, never fillers.
_ROMAN = frozenset(["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"])


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _filler(word: str) -> bool:
    if word in _FILLER:
        return True
    return len(word) >= 5 and any(
        difflib.SequenceMatcher(None, word, kind).ratio() >= 0.8 for kind in _LONG_FILLERS
    )


@dataclass(frozen=True)
class Address:
    """An address as compared: the street's words and the house numbers it gives."""

    words: tuple[str, ...]
    numbers: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> Address:
        """The street part of what the caller said (before any description), its words
        (street kinds and articles dropped, typos of them too) and its numbers."""
        plain = _plain(text)
        parts = _DESCRIPTION.split(plain)
        street = parts[0]
        if not re.search("[a-z]", street) and len(parts) > 1:  # "12, Bd Zerktouni"
            street = f"{street} {parts[1]}"
        tokens = _TOKEN.findall(street)
        words = tuple(
            t for t in tokens if t in _ROMAN or (not t.isdigit() and len(t) > 1 and not _filler(t))
        )
        numbers = tuple(int(t) for t in tokens if t.isdigit() and len(t) <= 5)
        return cls(words, numbers)


@functools.lru_cache(maxsize=4096)
def parse_address(text: str) -> Address:
    """``Address.parse``, remembered: an incident's addresses are compared with every call."""
    return Address.parse(text)


def _word_match(word: str, others: Iterable[str]) -> float:
    """1 for the same word; a typo's likeness (at least 0.8) for a long enough word; else 0."""
    best = 0.0
    for other in others:
        if other == word:
            return 1.0
        if min(len(word), len(other)) >= 4:
            ratio = difflib.SequenceMatcher(None, word, other).ratio()
            if ratio >= 0.8:
                best = max(best, ratio)
    return best


def street_similarity(a: Address, b: Address) -> float:
    """How alike two streets' names are, 0..1: their words matched (typos allowed), over the
    longer name's words, so a name within a longer one is not the same street."""
    if not a.words or not b.words:
        return 0.0
    short, long_ = (a, b) if len(a.words) <= len(b.words) else (b, a)
    matched = sum(_word_match(w, long_.words) for w in short.words)
    return matched / len(set(long_.words))


@dataclass(frozen=True)
class _Evidence:
    distance_m: float | None = None
    street: float = 0.0
    same_number: bool = False
    number_conflict: bool = False


def _compare(report: Report, other: Report, rules: Rules) -> _Evidence:
    distance = None
    if None not in (report.latitude, report.longitude, other.latitude, other.longitude):
        assert report.latitude is not None and report.longitude is not None
        assert other.latitude is not None and other.longitude is not None
        distance = 1000 * haversine_km(
            report.latitude, report.longitude, other.latitude, other.longitude
        )
    a, b = parse_address(report.address), parse_address(other.address)
    street = street_similarity(a, b)
    same_number = number_conflict = False
    if street >= rules.street_similarity and a.numbers and b.numbers:
        gap = min(abs(x - y) for x in a.numbers for y in b.numbers)
        same_number = gap <= rules.number_gap
        number_conflict = not same_number
    return _Evidence(distance, street, same_number, number_conflict)


def _best(evidence: Sequence[_Evidence], rules: Rules) -> _Evidence:
    """The strongest of each kind over an incident's reports. The numbers conflict when every
    report of the same street that gives a number gives another one."""
    distances = [e.distance_m for e in evidence if e.distance_m is not None]
    numbered = [e for e in evidence if e.same_number or e.number_conflict]
    return _Evidence(
        distance_m=min(distances) if distances else None,
        street=max(e.street for e in evidence),
        same_number=any(e.same_number for e in numbered),
        number_conflict=bool(numbered) and all(e.number_conflict for e in numbered),
    )


def is_open(incident: Incident, now: datetime, rules: Rules) -> bool:
    return now - incident.last_at <= rules.window


def score(report: Report, incident: Incident, now: datetime, rules: Rules) -> Suggestion | None:
    """How well ``report`` fits ``incident`` and why; None when nothing ties them."""
    others = [r for r in incident.reports if r.call_id != report.call_id]
    if not others or not is_open(incident, now, rules):
        return None
    found = _best([_compare(report, r, rules) for r in others], rules)
    reasons: list[Reason] = []
    points = 0.0
    strong = False  # a place or a caller in common: type and time alone suggest nothing
    street_only = False

    if report.caller_e164 and any(r.caller_e164 == report.caller_e164 for r in others):
        reasons.append(Reason("same_caller"))
        points += 4.0
        strong = True
    if found.distance_m is not None:
        if found.distance_m <= rules.radius_m:
            reasons.append(Reason("near", round(found.distance_m)))
            points += 2.0 + 2.5 * (1 - found.distance_m / rules.radius_m)
            strong = True
        elif found.distance_m > rules.conflict_m:
            points -= 4.0  # somewhere else, whatever the words say
    if found.street >= rules.street_similarity:
        if found.same_number:
            reasons.append(Reason("same_address"))
            points += 3.5
            strong = True
        elif not found.number_conflict:
            reasons.append(Reason("same_street"))
            points += 1.5
            street_only = not strong
        else:
            points += 0.5  # the same street, another number: weak either way
    if report.incident_type and any(r.incident_type == report.incident_type for r in others):
        reasons.append(Reason("same_type"))
        points += 1.5
    elif report.incident_type:
        points -= 1.0
    if incident.callers > 1:
        reasons.append(Reason("callers", incident.callers))
        points += min(1.5, 0.5 * math.log2(incident.callers))
    age = now - incident.last_at
    minutes = max(0, int(age.total_seconds() // 60))
    reasons.append(Reason("recent", minutes))
    points += 1.0 - min(1.0, age / rules.window)

    needed = rules.street_only_score if street_only else rules.min_score
    if not (strong or street_only) or points < needed:
        return None
    return Suggestion(incident=incident, score=round(points, 3), reasons=tuple(reasons))


def suggest(
    report: Report,
    incidents: Iterable[Incident],
    now: datetime,
    rules: Rules | None = None,
    *,
    exclude: str | None = None,
) -> list[Suggestion]:
    """The open incidents ``report`` probably belongs to, best first (at most ``rules.limit``).

    ``exclude``: an incident not to suggest (the one the call itself opened). Ties go to the
    most recent incident, then the id, so the order never depends on the input's.
    """
    rules = rules or Rules()
    found = [
        s
        for incident in incidents
        if incident.id != exclude
        for s in [score(report, incident, now, rules)]
        if s is not None
    ]
    found.sort(key=lambda s: (-s.score, -s.incident.last_at.timestamp(), s.incident.id))
    return found[: rules.limit]
