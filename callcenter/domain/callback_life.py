"""A call-back task's own life, once the pipeline made it (``domain/callbacks.py``).

Pure, like the rules that make tasks. It decides:

- **what a call-back attempt's end does to the task** (``after``; what Asterisk's answers
  mean is ``domain/callback_pbx.py``): reached closes the task; busy/no answer reopen it until
  ``max_attempts``; an invalid number closes it; the seat's own failure (busy, rang out) is no
  attempt;
- **whether a repeat call closes it** (``closes``, ``closed``): same number, still live,
  opened before the caller called again;
- **which task a free seat is offered** (``next_offer``): none while a caller has waited in the
  queue beyond the answer target; otherwise the most urgent (the most calls from that number,
  then cut off before silent before abandoned), the oldest first among equals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from callcenter.domain.callbacks import (
    LIVE,
    REASON_RANK,
    SEAT_SIDE,
    CallbackTask,
    CloseCallbacks,
    RecordAttempt,
    Result,
    Status,
)


def closes(task: CallbackTask, op: CloseCallbacks) -> bool:
    """Whether the repeat call ``op`` closes ``task``: same number, still live, another call,
    opened before the caller called again."""
    return (
        task.status in LIVE
        and task.number == op.number
        and task.call_id != op.by_call_id
        and task.created_at <= op.at
    )


def closed(task: CallbackTask, op: CloseCallbacks) -> CallbackTask:
    return replace(task, status=Status.CLOSED, closed_by=op.by_call_id, updated_at=op.at)


def after(task: CallbackTask, attempt: RecordAttempt) -> CallbackTask:
    """The task after an attempt started or ended. A task no longer live is left as it is
    (a late result after the caller called in again changes nothing but the timeline)."""
    if task.status not in LIVE:
        return task
    if attempt.result is None:
        return replace(
            task,
            status=Status.CALLING,
            seat=attempt.seat,
            attempts=task.attempts + 1,
            result=None,
            updated_at=attempt.at,
        )
    result = attempt.result
    if result is Result.REACHED:
        status = Status.REACHED
    elif result is Result.INVALID:
        status = Status.CLOSED
    elif result in SEAT_SIDE:
        # nothing was tried on the caller: the attempt does not count
        return replace(
            task,
            status=Status.OPEN,
            seat=None,
            attempts=max(0, task.attempts - 1),
            result=result,
            updated_at=attempt.at,
        )
    else:
        status = Status.GAVE_UP if task.attempts >= attempt.max_attempts else Status.OPEN
    return replace(
        task,
        status=status,
        seat=task.seat if status is not Status.OPEN else None,
        result=result,
        updated_at=attempt.at,
    )


def offered(task: CallbackTask, seat: str, at: datetime) -> CallbackTask:
    return replace(task, status=Status.OFFERED, seat=seat, updated_at=at)


def urgency(task: CallbackTask) -> tuple[int, int, datetime, str]:
    """Sort key: most calls from the number first, then by reason, then the oldest."""
    return (-task.repeat_count, REASON_RANK[task.reason], task.created_at, task.call_id)


@dataclass(frozen=True, kw_only=True)
class Room:
    """What the offer needs to know of the room right now."""

    longest_wait_seconds: float  # the caller waiting longest in the queue (0: none)
    sla_answer_seconds: int


@dataclass(frozen=True, kw_only=True)
class Offer:
    task: CallbackTask | None
    why_none: str = ""  # "queue_beyond_sla", "nothing_to_call", "seat_busy"
    fresh: bool = False  # offered to the seat just now (not before)


def next_offer(tasks: Iterable[CallbackTask], seat: str, *, seat_free: bool, room: Room) -> Offer:
    """The task to offer ``seat``: the one already offered to it or being called from it, else
    the most urgent open task; none while the seat is not free or a caller waits beyond the
    answer target (the queue comes first)."""
    tasks = list(tasks)
    mine = [t for t in tasks if t.seat == seat and t.status in (Status.OFFERED, Status.CALLING)]
    if mine:
        return Offer(task=min(mine, key=urgency))
    if not seat_free:
        return Offer(task=None, why_none="seat_busy")
    if room.longest_wait_seconds > room.sla_answer_seconds:
        return Offer(task=None, why_none="queue_beyond_sla")
    open_ = sorted((t for t in tasks if t.status is Status.OPEN), key=urgency)
    if not open_:
        return Offer(task=None, why_none="nothing_to_call")
    return Offer(task=open_[0])
