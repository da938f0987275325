"""The call-entry decision itself: pure, from what the lookups found to priority and route.

No I/O here: ``qualify`` gathers the facts under the AGI budget and this module turns them
into a ``Decision`` with the reasons a supervisor reads on the timeline: ``reason_codes``
(``domain/entry_reasons.py``, which the panel translates) and ``reason``, the English sentence
rendered from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.agi.admission import Admission
from callcenter.agi.lookups import PriorCall
from callcenter.agi.numbers import CallerNumber
from callcenter.domain.entry_reasons import ReasonCode, english, reason

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
    reason_codes: tuple[ReasonCode, ...]
    repeat_count: int = 0
    linked_call_ids: tuple[str, ...] = ()
    callback_after_abandon: bool = False
    degraded: bool = False
    notes: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The English sentence of ``reason_codes`` (the step's ``reason``, for exports)."""
        return english(self.reason_codes)


def safe_default(policy: PriorityPolicy, *notes: str) -> Decision:
    """What the caller gets when callcenter cannot decide in time: queued, normal priority."""
    return Decision(
        route=QUEUE,
        priority=policy.normal,
        reason_codes=(reason("safe_default", notes=", ".join(notes)),),
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
    reasons: list[ReasonCode] = []
    linked = tuple(p.id for p in priors or ())
    callback = any(p.abandoned for p in priors or ())
    priority = policy.normal
    if not number.linkable:
        reasons.append(reason("caller_id_kind", kind=number.kind.value))
    elif priors is None:
        reasons.append(reason("repeat_unavailable"))
    elif callback:
        priority = policy.callback
        reasons.append(reason("callback_after_abandon", count=len(linked), minutes=window_minutes))
    elif linked:
        priority = min(policy.repeat + policy.repeat_step * (len(linked) - 1), policy.repeat_max)
        reasons.append(reason("repeat_caller", count=len(linked), minutes=window_minutes))
    else:
        reasons.append(reason("first_call", minutes=window_minutes))

    if admission is None:
        route = QUEUE
        reasons.append(reason("room_unavailable"))
    else:
        route = QUEUE if admission.admitted else OVERFLOW
        room = "room_queued" if admission.admitted else "room_full_overflow"
        reasons.append(reason(room, occupancy=admission.occupancy, capacity=admission.capacity))
    reasons.append(reason("priority", priority=priority))
    return Decision(
        route=route,
        priority=priority,
        reason_codes=tuple(reasons),
        repeat_count=len(linked),
        linked_call_ids=linked,
        callback_after_abandon=callback,
        degraded=(priors is None and number.linkable) or admission is None,
        notes=tuple(notes),
    )
