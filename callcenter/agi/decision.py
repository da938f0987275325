"""The call-entry decision itself: pure, from what the lookups found to priority and route.

No I/O here: ``qualify`` gathers the facts under the AGI budget and this module turns them
into a ``Decision`` with a reason a supervisor can read on the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.agi.admission import Admission
from callcenter.agi.lookups import PriorCall
from callcenter.agi.numbers import CallerNumber

QUEUE = "queue"
OVERFLOW = "overflow"


@dataclass(frozen=True)
class PriorityPolicy:
    """QUEUE_PRIO values: Asterisk serves higher values first; 0 is what an unset one means."""

    normal: int = 0
    repeat: int = 5  # a second call from the same number within the window
    repeat_step: int = 1  # each further call adds this
    repeat_max: int = 9
    callback: int = 10  # the caller's earlier call was abandoned: they waited once already


@dataclass(frozen=True)
class Decision:
    route: str
    priority: int
    reason: str
    repeat_count: int = 0
    linked_call_ids: tuple[str, ...] = ()
    callback_after_abandon: bool = False
    degraded: bool = False
    notes: tuple[str, ...] = ()


def safe_default(policy: PriorityPolicy, *notes: str) -> Decision:
    """What the caller gets when callcenter cannot decide in time: queued, normal priority."""
    return Decision(
        route=QUEUE,
        priority=policy.normal,
        reason="safe default (" + ", ".join(notes) + "): queued at normal priority",
        degraded=True,
        notes=notes,
    )


def decide(
    number: CallerNumber,
    priors: Sequence[PriorCall] | None,
    admission: Admission | None,
    policy: PriorityPolicy,
    *,
    window_minutes: int,
    notes: Sequence[str] = (),
) -> Decision:
    """``priors``/``admission`` are None when their lookup failed (then: defaults, degraded)."""
    reasons: list[str] = []
    linked = tuple(p.id for p in priors or ())
    callback = any(p.abandoned for p in priors or ())
    priority = policy.normal
    if not number.linkable:
        reasons.append(f"caller ID {number.kind.value}: no repeat lookup")
    elif priors is None:
        reasons.append("repeat lookup unavailable")
    elif callback:
        priority = policy.callback
        reasons.append(
            f"calling back after an abandoned call ({len(linked)} in {window_minutes} min)"
        )
    elif linked:
        priority = min(policy.repeat + policy.repeat_step * (len(linked) - 1), policy.repeat_max)
        reasons.append(f"repeat caller ({len(linked)} earlier in {window_minutes} min)")
    else:
        reasons.append(f"first call in {window_minutes} min")

    if admission is None:
        route = QUEUE
        reasons.append("room count unavailable: queued (Asterisk maxlen still applies)")
    elif admission.admitted:
        route = QUEUE
        reasons.append(f"room {admission.occupancy}/{admission.capacity}: queued")
    else:
        route = OVERFLOW
        reasons.append(
            f"room full {admission.occupancy}/{admission.capacity}: overflow path "
            "(announcement and retry, the caller stays on the line)"
        )
    reasons.append(f"priority {priority}")
    return Decision(
        route=route,
        priority=priority,
        reason="; ".join(reasons),
        repeat_count=len(linked),
        linked_call_ids=linked,
        callback_after_abandon=callback,
        degraded=(priors is None and number.linkable) or admission is None,
        notes=tuple(notes),
    )
