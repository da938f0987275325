"""Call-back tasks: every caller the room did not hear out is called back.

Pure (no I/O), like the lifecycle it sits beside. It holds the task's model (reasons,
statuses, results, ``CallbackTask``) and the ops the pipeline hands the store, and decides:

- **which calls become a task** (``reason_for``): a caller who **abandoned** (hung up before
  any seat answered, ``domain/outcomes.py``), a **silent** call (``silent``: the caller hung
  up on the seat within ``CallbackRules.silent_seconds`` of its answer and nobody qualified
  it: no speech, hung up at once) or a call **cut off** (``lost``: the PBX no longer knew it after a
  reconnect). ``on_transition`` returns the task at the one transition where the call first
  meets one of these, so a call gives at most one task whatever is replayed;
- **whether a task can be called back** (``not_callable``): a withheld caller ID (Asterisk's
  ``<unknown>``, ``anonymous``... cleaned to ``""`` by ``ami/callerid.py``) or one that is no
  valid number (no E.164 form) is recorded as not callable, with the reason, for supervisors,
  and never offered;
- **a caller who calls in again** before the call-back closes every open task of that number
  (``CloseCallbacks``, one step on both calls' timelines, ``closed_steps``).

What happens to a task afterwards (an attempt's end, a repeat call closing it, which task a
free seat is offered) is ``domain/callback_life.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.events import (
    CallbackEnded,
    CallbackStarted,
    CallEntered,
    CallEvent,
    Clock,
    ConversationEnded,
)


class Reason(StrEnum):
    ABANDONED = "abandoned"
    SILENT = "silent"
    CUT_OFF = "cut_off"


class NotCallable(StrEnum):
    WITHHELD = "withheld"  # anonymous, unknown, restricted: no number at all
    INVALID = "invalid_number"  # a caller ID that is no valid phone number


class Status(StrEnum):
    OPEN = "open"  # waiting for a free seat
    OFFERED = "offered"  # shown to one seat (``seat``)
    CALLING = "calling"  # that seat is calling back (attempt ``attempts``)
    REACHED = "reached"  # done: the caller was reached
    CLOSED = "closed"  # the caller called in again, or the number is invalid
    GAVE_UP = "gave_up"  # ``max_attempts`` without reaching anyone
    NOT_CALLABLE = "not_callable"


class Result(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    INVALID = "invalid"  # congestion, unavailable, not a number the trunk takes
    SEAT_BUSY = "seat_busy"  # the seat's own phone was busy (OriginateResponse Reason 5)
    SEAT_NO_ANSWER = "seat_no_answer"  # the seat's phone rang out (Reason 3)
    FAILED = "failed"  # the seat's channel could not be created (Reason 0, 1, ...)


LIVE = frozenset({Status.OPEN, Status.OFFERED, Status.CALLING})
# Urgency by reason: a call cut off mid-conversation first, then a silent one.
REASON_RANK = {Reason.CUT_OFF: 0, Reason.SILENT: 1, Reason.ABANDONED: 2}
# The seat's side: nothing was learnt about the caller, the task is offered again as it was.
SEAT_SIDE = frozenset({Result.SEAT_BUSY, Result.SEAT_NO_ANSWER, Result.FAILED})
RETRY = frozenset({Result.NO_ANSWER, Result.BUSY})


@dataclass(frozen=True, kw_only=True)
class CallbackRules:
    silent_seconds: int = 5  # an answered, unqualified call that ended this soon is silent
    max_attempts: int = 3  # attempts that reached nobody before the task is given up


@dataclass(frozen=True, kw_only=True)
class CallbackTask:
    call_id: str  # the original call: one task per call
    number: str | None  # E.164, None when not callable
    caller_raw: str
    reason: Reason
    status: Status
    created_at: datetime  # when the call ended (the wait for a call-back starts)
    waited_seconds: int | None = None  # the caller's wait on the original call
    repeat_count: int = 0  # earlier calls from the number (filled in by the store)
    not_callable: NotCallable | None = None
    seat: str | None = None  # offered to / called back from
    attempts: int = 0
    result: Result | None = None
    closed_by: str | None = None  # the call that closed it (a repeat call)
    updated_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        """The task as the API and the live feeds show it (JSON-ready)."""
        return {
            "call_id": self.call_id,
            "number": self.number,
            "caller_raw": self.caller_raw,
            "reason": self.reason.value,
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            "waited_seconds": self.waited_seconds,
            "repeat_count": self.repeat_count,
            "not_callable": self.not_callable.value if self.not_callable else None,
            "seat": self.seat,
            "attempts": self.attempts,
            "result": self.result.value if self.result else None,
            "closed_by": self.closed_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


# --- which calls become a task -------------------------------------------------------------


def reason_for(call: Call) -> Reason | None:
    """Why ``call`` needs a call-back as it stands (abandoned, cut off), None if it does not."""
    found = call.outcome
    if found == "abandoned":
        return Reason.ABANDONED
    if found == "lost":
        return Reason.CUT_OFF
    return None


def silent(call: Call, event: CallEvent, rules: CallbackRules) -> bool:
    """The caller hung up on the seat within ``silent_seconds`` of its answer, and nobody
    qualified the call: Asterisk's AgentComplete ``Reason: caller`` with a short TalkTime (a
    seat hanging up is the operator's decision, not a silent call)."""
    return (
        isinstance(event, ConversationEnded)
        and event.reason == "caller"
        and not event.orphan
        and event.seat == call.seat
        and event.talk_seconds <= rules.silent_seconds
        and call.state is CallState.ANSWERED
        and call.qualification is None
    )


# What Asterisk and the networks put in place of a number (``agi/numbers.py`` and
# ``ami/callerid.py`` know the same words): the caller withheld it.
WITHHELD_WORDS = frozenset(
    {"", "<unknown>", "anonymous", "unknown", "restricted", "private", "withheld", "unavailable"}
)


def not_callable(caller_raw: str, caller_e164: str | None) -> NotCallable | None:
    """Why a caller cannot be called back: no number (withheld), or one that is no valid
    phone number (no E.164 form)."""
    if caller_raw.strip().strip('"').lower() in WITHHELD_WORDS:
        return NotCallable.WITHHELD
    if caller_e164 is None:
        return NotCallable.INVALID
    return None


def task_for(call: Call, reason: Reason, at: datetime) -> CallbackTask:
    """The task for ``call`` that just met ``reason`` at ``at``."""
    withheld = not_callable(call.caller_raw, call.caller_e164)
    return CallbackTask(
        call_id=call.id,
        number=None if withheld else call.caller_e164,
        caller_raw=call.caller_raw,
        reason=reason,
        status=Status.NOT_CALLABLE if withheld else Status.OPEN,
        not_callable=withheld,
        created_at=call.ended_at or at,
        waited_seconds=_waited(call, at),
        updated_at=at,
    )


def _waited(call: Call, at: datetime) -> int | None:
    """The caller's wait on the call: as ``outcomes`` counts it once the line ended; at the
    abandon itself (QueueCallerAbandon comes before the Hangup) from entry to now."""
    if call.wait_seconds is not None:
        return call.wait_seconds
    if call.rang_at is None or call.answered_at is not None:
        return None
    return max(0, round((at - call.rang_at).total_seconds()))


# --- what the pipeline hands the store -----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OpenCallback:
    """Store ``task`` with a ``callback_task`` step on the call's timeline (``step``), once per
    call: a second one for the same call (a lost call recovered and then abandoned) is ignored,
    step included."""

    task: CallbackTask
    step: AppendTimeline


@dataclass(frozen=True, kw_only=True)
class CloseCallbacks:
    """The caller of ``number`` called in again (call ``by_call_id``): close its live tasks
    opened before, with a step on both calls (``closed_steps``)."""

    number: str
    by_call_id: str
    at: datetime
    received_at: datetime
    source_id: str
    clock: Clock


@dataclass(frozen=True, kw_only=True)
class RecordAttempt:
    """A call-back attempt on the task of ``call_id`` started (``result`` None) or ended."""

    call_id: str
    seat: str | None
    result: Result | None
    at: datetime
    max_attempts: int = CallbackRules().max_attempts


CallbackOp = OpenCallback | CloseCallbacks | RecordAttempt


def on_transition(
    before: Call | None, after: Call, event: CallEvent, rules: CallbackRules
) -> list[CallbackOp]:
    """What the call's transition means for call-backs (the pipeline applies it with the
    call's own save, in the same transaction)."""
    ops: list[CallbackOp] = []
    if isinstance(event, CallEntered) and after.caller_e164 and not _number(before):
        # the first time the call's number is known: the caller called in again
        ops.append(
            CloseCallbacks(
                number=after.caller_e164,
                by_call_id=after.id,
                at=event.at,
                received_at=event.received_at,
                source_id=event.source_id,
                clock=event.clock,
            )
        )
    reason = reason_for(after)
    if reason is None and silent(after, event, rules):
        reason = Reason.SILENT
    if reason is not None and (before is None or reason_for(before) is None):
        task = task_for(after, reason, event.at)
        ops.append(OpenCallback(task=task, step=_task_step(task, event)))
    if isinstance(event, CallbackStarted):
        ops.append(
            RecordAttempt(
                call_id=after.id,
                seat=event.seat,
                result=None,
                at=event.at,
                max_attempts=rules.max_attempts,
            )
        )
    elif isinstance(event, CallbackEnded) and event.result in Result._value2member_map_:
        ops.append(
            RecordAttempt(
                call_id=after.id,
                seat=event.seat,
                result=Result(event.result),
                at=event.at,
                max_attempts=rules.max_attempts,
            )
        )
    return ops


def _number(call: Call | None) -> str | None:
    return call.caller_e164 if call is not None else None


def _task_step(task: CallbackTask, event: CallEvent) -> AppendTimeline:
    payload: dict[str, Any] = {
        "reason": task.reason.value,
        "status": task.status.value,
        "number": task.number,
    }
    if task.not_callable is not None:
        payload["not_callable"] = task.not_callable.value
    return AppendTimeline(
        call_id=task.call_id,
        kind="callback_task",
        at=event.at,
        received_at=event.received_at,
        source_id=event.source_id + ":callback_task",
        clock=event.clock,
        inferred=event.inferred,
        payload=payload,
    )


def closed_steps(task: CallbackTask, op: CloseCallbacks) -> tuple[AppendTimeline, AppendTimeline]:
    """The step on the original call (its task closed) and on the repeat call (it closed it)."""
    common = {"at": op.at, "received_at": op.received_at, "clock": op.clock}
    original = AppendTimeline(
        call_id=task.call_id,
        kind="callback_closed",
        source_id=f"{op.source_id}:callback_closed:{op.by_call_id}",
        payload={"by_call_id": op.by_call_id, "reason": "called_again", "number": task.number},
        **common,  # type: ignore[arg-type]
    )
    repeat = AppendTimeline(
        call_id=op.by_call_id,
        kind="closes_callback",
        source_id=f"{op.source_id}:closes_callback:{task.call_id}",
        payload={"call_id": task.call_id, "reason": task.reason.value, "number": task.number},
        **common,  # type: ignore[arg-type]
    )
    return original, repeat
