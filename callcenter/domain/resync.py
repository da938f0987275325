"""What a PBX snapshot after a (re)connection means for one call. Pure.

``plan_resync(call, view)`` compares the call as we recorded it with what Asterisk's
QueueStatus/CoreShowChannels showed, and returns the events to apply, in order: the steps we
missed while not listening (``inferred=True``, ``clock=inferred``), then a ``resynced`` step.
A call Asterisk no longer knows is ``lost`` with the gap recorded (``plan_lost``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callcenter.domain.call import TERMINAL_STATES, Call, CallState
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    CallLost,
    CallResynced,
    Clock,
    SeatOffered,
)

WAITING = "waiting"
TALKING = "talking"
OTHER = "other"


@dataclass(frozen=True, kw_only=True)
class PbxCallView:
    """One call as the snapshot showed it."""

    call_id: str
    source_id: str  # stable identity of this snapshot for this call
    gap_started: datetime
    gap_ended: datetime
    received_at: datetime
    pbx_state: str  # WAITING, TALKING or OTHER
    queue: str = ""
    seat: str | None = None
    position: int | None = None
    caller_raw: str = ""
    age_seconds: int = 0  # how long the oldest leg had existed
    wait_seconds: int | None = None  # how long the caller had waited in the queue (QueueStatus)
    # a seat's channel of this call (ringing for it, or talking with it) and its age: the ring
    # began when that channel was made (AgentCalled)
    ringing_seat: str | None = None
    ring_seconds: int | None = None
    left_queue_seen: bool = False  # its QueueCallerLeave came before the gap


def plan_resync(call: Call | None, view: PbxCallView) -> list[CallEvent]:
    if call is not None and call.state in TERMINAL_STATES:
        return []
    common: dict[str, Any] = {
        "call_id": view.call_id,
        "at": view.gap_ended,
        "received_at": view.received_at,
        "clock": Clock.INFERRED,
        "inferred": True,
    }
    out: list[CallEvent] = []
    state = call.state if call is not None else None
    if call is None:
        out.append(
            CallEntered(
                **common | {"at": view.gap_ended - timedelta(seconds=view.age_seconds)},
                source_id=f"{view.source_id}:entered",
                caller_raw=view.caller_raw,
            )
        )
        state = CallState.RINGING
    queued_states = (CallState.QUEUED, CallState.OFFERED)
    if view.pbx_state in (WAITING, TALKING) and view.queue:
        needs_queue = state is CallState.RINGING or (
            view.pbx_state == WAITING and state in (CallState.ANSWERED, CallState.QUALIFIED)
        )
        if needs_queue:
            entered = out[0].at if out else (call.rang_at if call is not None else None)
            queued_at = view.gap_ended
            if view.pbx_state == WAITING and view.wait_seconds is not None:
                queued_at -= timedelta(seconds=view.wait_seconds)
                queued_at = max(queued_at, entered) if entered is not None else queued_at
            out.append(
                CallerQueued(
                    **common | {"at": queued_at},
                    source_id=f"{view.source_id}:queued",
                    queue=view.queue,
                    position=view.position or 0,
                    count=0,
                )
            )
            state = CallState.QUEUED
    rings = view.ringing_seat and view.ring_seconds is not None and view.queue
    if rings and state is CallState.QUEUED and view.pbx_state in (WAITING, TALKING):
        rang = view.gap_ended - timedelta(seconds=view.ring_seconds or 0)
        # never before the call began; a queue time inferred later (a talking caller's, the
        # snapshot's) does not hold it back: the store keeps each step's own time
        floor = out[0].at if call is None else call.rang_at
        out.append(
            SeatOffered(
                **common | {"at": max(rang, floor) if floor is not None else rang},
                source_id=f"{view.source_id}:offered",
                queue=view.queue,
                seat=view.ringing_seat or "",
            )
        )
        state = CallState.OFFERED
    if view.pbx_state == TALKING and state in queued_states and view.seat:
        if not view.left_queue_seen:  # as Asterisk tells it: QueueCallerLeave, then
            # AgentConnect (the bridge may have seen the first before the gap)
            out.append(
                CallerLeftQueue(
                    **common,
                    source_id=f"{view.source_id}:left_queue",
                    queue=view.queue,
                    position=view.position or 0,
                    count=0,
                )
            )
        out.append(
            CallAnswered(
                **common,
                source_id=f"{view.source_id}:answered",
                queue=view.queue,
                seat=view.seat,
                hold_seconds=0,
                ring_seconds=0,
            )
        )
    out.append(
        CallResynced(
            call_id=view.call_id,
            at=view.gap_ended,
            received_at=view.received_at,
            clock=Clock.ARRIVAL,
            source_id=f"{view.source_id}:resynced",
            gap_started=view.gap_started,
            gap_ended=view.gap_ended,
            pbx_state=view.pbx_state,
            seat=view.seat,
        )
    )
    return out


def plan_lost(call: Call | None, view: LostCallView) -> list[CallEvent]:
    """The call is gone from the PBX: it ended while we were not listening, nobody knows how.
    A call whose line is known to have ended (the PBX's own records said so, ``reconcile.py``)
    is not lost."""
    if call is None or call.state in TERMINAL_STATES or call.line_ended:
        return []
    return [
        CallLost(
            call_id=view.call_id,
            at=view.gap_ended,
            received_at=view.received_at,
            clock=Clock.INFERRED,
            inferred=True,
            source_id=f"{view.source_id}:lost",
            gap_started=view.gap_started,
            gap_ended=view.gap_ended,
        )
    ]


@dataclass(frozen=True, kw_only=True)
class LostCallView:
    """A call we followed that the snapshot no longer shows."""

    call_id: str
    source_id: str
    gap_started: datetime
    gap_ended: datetime
    received_at: datetime
