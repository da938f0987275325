"""Why the call-entry decision is what it is: reason codes a screen can translate.

``agi/decision.py`` says why as a tuple of ``ReasonCode`` (a code and its figures). The English
sentence auditors' exports and older readers know (``Decision.reason``, the step's ``reason``)
is rendered from the same codes by ``english``: one source for both. The step payload carries
the codes as ``reason_codes`` (``[{"code": ..., "params": {...}}]``); the web panel renders
them in the reader's language (``web/src/format/entryReasons.ts``, the ``entry.reason.<code>``
keys of its catalogues, with the same parameter names) and falls back to the English text for
steps recorded before the codes existed.

The codes, in the order a decision gives them (one from each group, then the priority):

- the caller: ``caller_id_kind`` {kind} (nothing to look up: withheld, invalid...),
  ``repeat_unavailable``, ``callback_after_abandon`` {count, minutes},
  ``repeat_caller`` {count, minutes}, ``first_call`` {minutes};
- the room: ``room_unavailable``, ``room_queued`` {occupancy, capacity},
  ``room_full_overflow`` {occupancy, capacity};
- ``priority`` {priority};

or ``safe_default`` {notes} alone, when nothing could be looked up in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

# The English of each code; the ``{names}`` are its params (the web catalogues use the same).
ENGLISH: dict[str, str] = {
    "caller_id_kind": "caller ID {kind}: no repeat lookup",
    "repeat_unavailable": "repeat lookup unavailable",
    "callback_after_abandon": "calling back after an abandoned call ({count} in {minutes} min)",
    "repeat_caller": "repeat caller ({count} earlier in {minutes} min)",
    "first_call": "first call in {minutes} min",
    "room_unavailable": "room count unavailable: queued (Asterisk maxlen still applies)",
    "room_queued": "room {occupancy}/{capacity}: queued",
    "room_full_overflow": "room full {occupancy}/{capacity}: overflow path "
    "(announcement and retry, the caller stays on the line)",
    "priority": "priority {priority}",
    "safe_default": "safe default ({notes}): queued at normal priority",
}
CODES = frozenset(ENGLISH)
# The params each code's text names (checked by ``reason`` without formatting it).
PARAMS: dict[str, frozenset[str]] = {
    code: frozenset(name for _, name, _, _ in Formatter().parse(text) if name)
    for code, text in ENGLISH.items()
}


@dataclass(frozen=True)
class ReasonCode:
    """One part of why: ``code`` (a key of ``ENGLISH``) and its figures. ``params`` takes no
    part in the hash (a dict has none); two codes are equal when both parts are."""

    code: str
    # spelt out, not aliased: the event codec resolves these hints in domain/events.py
    params: dict[str, str | int] = field(default_factory=dict, hash=False)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


def reason(code: str, **params: str | int) -> ReasonCode:
    """A reason code; raises ``ValueError`` for a code or params ``ENGLISH`` does not know,
    so a code no screen can translate never reaches a timeline."""
    needs = PARAMS.get(code)
    if needs is None:
        raise ValueError(f"unknown entry reason code {code!r}")
    if missing := needs - params.keys():
        raise ValueError(f"entry reason {code!r} needs param(s) {sorted(missing)}")
    return ReasonCode(code, params)


def english(codes: Iterable[ReasonCode]) -> str:
    """The sentence the step's ``reason`` has always carried: the codes' English, "; " apart."""
    return "; ".join(ENGLISH[c.code].format(**c.params) for c in codes)


def as_json(codes: Iterable[ReasonCode]) -> list[dict[str, Any]]:
    """The codes as the timeline payload stores them."""
    return [c.as_json() for c in codes]
