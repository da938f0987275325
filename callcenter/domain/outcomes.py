"""How a call ended, defined once: the simulator's tallies, the demo's progress line, the queue
statistics and the auditor's export all count with these functions, so they cannot disagree.

An outcome is how the call *ended*, not where it went on the way:

- ``answered``: a seat answered, whatever happened before (the overflow path, a ring no
  answer, a redirect back into the queue). ``transferred`` and ``handed_off`` are answered
  calls that went on (a transfer; a radio dispatcher took the ticket): they count as answered.
- ``abandoned``: the caller hung up before any seat answered: while the call entered, in the
  queue, while a seat rang, or on the overflow path. Whether the caller reached the overflow
  path is a separate fact (``reached_overflow``), not an outcome: "overflowed" is a place a
  caller waits, and ends answered or abandoned like any other wait.
- ``lost``: after a reconnect the PBX no longer knew the call; how it ended is unknown.
- undecided (``None``): nobody has answered and the line is still up.

The caller's wait (``wait_seconds``) runs from entry (the PBX created the channel) to the
answer, or to the hang-up for an abandoned call, overflow rounds included; Asterisk's
``HoldTime`` (``hold_seconds``) counts the last queue stay only.

Pure: plain values in, no imports from the rest of callcenter (``call.py`` uses this module).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    HANDED_OFF = "handed_off"
    ABANDONED = "abandoned"
    LOST = "lost"


SEAT_ANSWERED = frozenset({Outcome.ANSWERED, Outcome.TRANSFERRED, Outcome.HANDED_OFF})
# The states (``CallState`` values) in which nobody has answered yet: a line that ends in one
# of them is an abandon.
UNANSWERED_STATES = frozenset({"ringing", "queued", "offered", "overflowed", "abandoned"})
# Timeline steps that show the caller was on the overflow path.
OVERFLOW_STEPS = frozenset({"overflowed", "overflow_round"})


def outcome(
    *, state: str, answered_at: datetime | None, dispatch_unit: str | None, line_ended: bool
) -> Outcome | None:
    """The outcome of a call in ``state`` (a ``CallState`` value), None while undecided."""
    if state == "lost":
        return Outcome.LOST
    if answered_at is not None:
        if dispatch_unit is not None:
            return Outcome.HANDED_OFF
        if state == "transferred":
            return Outcome.TRANSFERRED
        return Outcome.ANSWERED
    if state == "abandoned" or (line_ended and state in UNANSWERED_STATES):
        return Outcome.ABANDONED
    return None


def counted_as(value: str | None) -> Outcome | None:
    """The column a call is counted in: ``answered``, ``abandoned``, ``lost`` or None."""
    if value is None:
        return None
    found = Outcome(value) if value in Outcome._value2member_map_ else None
    return Outcome.ANSWERED if found in SEAT_ANSWERED else found


def decided_at(
    value: str | None, *, answered_at: datetime | None, ended_at: datetime | None
) -> datetime | None:
    """When the outcome was decided: the answer, or the hang-up of an abandoned call."""
    kind = counted_as(value)
    if kind is Outcome.ANSWERED:
        return answered_at
    if kind is Outcome.ABANDONED:
        return ended_at
    return None


def wait_seconds(
    value: str | None,
    *,
    rang_at: datetime | None,
    answered_at: datetime | None,
    ended_at: datetime | None,
) -> int | None:
    """The caller's total wait from entry to the answer (or to the hang-up of an abandoned
    call), in whole seconds as Asterisk counts HoldTime; None while undecided or unknown."""
    end = decided_at(value, answered_at=answered_at, ended_at=ended_at)
    if end is None or rang_at is None:
        return None
    return max(0, round((end - rang_at).total_seconds()))


def reached_overflow(steps: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a call's timeline shows the caller on the overflow path: the queue was full,
    an overflow round, or the call-entry decision sent it there."""
    for step in steps:
        if step.get("kind") in OVERFLOW_STEPS:
            return True
        payload = step.get("payload")
        route = payload.get("route") if isinstance(payload, Mapping) else None
        if step.get("kind") == "entry_decision" and route == "overflow":
            return True
    return False
