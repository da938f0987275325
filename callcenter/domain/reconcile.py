"""Reconciliation with the PBX's own records: the steps a call's timeline is missing. Pure.

AMI has no replay: what happened while the bridge was down (a deploy, a crash, a network cut)
never reaches it. Asterisk keeps its own record meanwhile (queue_log, CEL; see
``domain/pbx_log.py``). ``plan_call(pbx, call, seen, ...)`` compares one call's PBX story
with what its timeline already has and returns the events to apply, in order:

- a call the timeline does not know (it began and ended in the gap) gets all its steps;
- a call marked ``lost`` (the bridge lost sight of it) is ``recovered`` (back to where it
  was) and gets the steps the PBX recorded after that: its true outcome, hold and talk times;
- a call followed live whose end the bridge missed gets the missing steps.

Every event has ``clock=pbx-log`` and ``inferred=True`` (reconstructed, not seen live) and a
source id made of the call, the step kind and its rank among that call's steps of that kind,
so running the reconciliation again adds nothing. A PBX step already on the timeline is never
added again: it matches a step of the same kind within ``tolerance`` of its time (any time for
a step inferred after a reconnect, which stands for "sometime in the gap"). Only calls whose
line the PBX records as ended before ``horizon`` are touched (a call still live, or one whose
end may still be on its way over AMI, is left to the live stream); a call whose line callcenter
saw end is left alone. Each event is checked against the lifecycle first (``transition``): what
it would refuse is not applied, and a ``lost`` call stays lost unless the PBX's records decide
its outcome and end its line (``lost`` is kept only for what they cannot explain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callcenter.domain.call import Call, CallState
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerAbandoned,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    CallRecovered,
    CallTransferred,
    Clock,
    ConversationEnded,
    LineEnded,
    SeatOffered,
    SeatRingNoAnswer,
)
from callcenter.domain.lifecycle import transition
from callcenter.domain.pbx_log import PbxCall, PbxStep

S = CallState
TOLERANCE = timedelta(seconds=2)  # the queue_log file has whole seconds
# The timeline step kinds that stand for each PBX step kind.
SAME_KIND: dict[str, frozenset[str]] = {
    "entered": frozenset({"entered", "entry_decision"}),
    "conversation_ended": frozenset({"conversation_ended", "stale_agent_complete"}),
}


@dataclass(frozen=True, kw_only=True)
class SeenStep:
    """A step already on the call's timeline: its kind, its own time (``payload.event_at``
    when the store moved it), whether it was inferred after a reconnect, and its seat."""

    kind: str
    at: datetime
    inferred: bool = False
    clock: str = ""
    seat: str | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    events: tuple[CallEvent, ...] = ()
    refused: int = 0  # PBX steps the lifecycle would not take (left out)
    recovered: bool = False  # a lost call the records explain
    new_call: bool = False  # a call the timeline did not know


def plan_call(
    pbx: PbxCall,
    call: Call | None,
    seen: Sequence[SeenStep],
    *,
    horizon: datetime,
    received_at: datetime,
    source: str = "",
    e164: Callable[[str], str | None] = lambda _raw: None,
    tolerance: timedelta = TOLERANCE,
) -> Plan:
    if pbx.ended_at is None or pbx.ended_at > horizon or not pbx.steps:
        return Plan()
    if call is not None and call.line_ended:
        return Plan()
    missing = _unmatched(pbx.steps, seen, tolerance) if call is not None else list(pbx.steps)
    common: dict[str, Any] = {
        "call_id": pbx.call_id,
        "received_at": received_at,
        "clock": Clock.PBX_LOG,
        "inferred": True,
    }
    planned: list[CallEvent] = []
    state = call
    lost = call is not None and call.state is S.LOST
    if call is not None and lost:
        losses = sum(1 for s in seen if s.kind == "lost")
        recovered = CallRecovered(
            **common,
            at=missing[0].at if missing else pbx.ended_at,
            source_id=f"pbxlog:{pbx.call_id}:recovered:{losses}",
            state=_before_loss(call, seen).value,
            seat=_last_seat(seen, pbx, missing) if call.answered_at is not None else None,
            source=source,
        )
        state, _ = transition(call, recovered)
        planned.append(recovered)
    refused = 0
    for step in missing:
        for event in _events(step, pbx, common, e164):
            new, effects = transition(state, event)
            if any(isinstance(e, AppendTimeline) and e.kind == "anomaly" for e in effects):
                refused += 1
                continue
            state = new
            planned.append(event)
    if state is None or (lost and (not state.line_ended or state.outcome in (None, "lost"))):
        return Plan(refused=refused)  # the records do not explain the lost call: it stays lost
    if len(planned) == (1 if lost else 0):
        return Plan(refused=refused)
    return Plan(events=tuple(planned), refused=refused, recovered=lost, new_call=call is None)


def _unmatched(
    steps: Sequence[PbxStep], seen: Sequence[SeenStep], tolerance: timedelta
) -> list[PbxStep]:
    pool = list(seen)
    out: list[PbxStep] = []
    last_matched: PbxStep | None = None
    for step in steps:
        kinds = SAME_KIND.get(step.kind, frozenset({step.kind}))
        match = next(
            (
                s
                for s in pool
                if s.kind in kinds
                and ((s.inferred and s.clock != Clock.PBX_LOG) or abs(s.at - step.at) <= tolerance)
            ),
            None,
        )
        if step.kind == "entered" and match is None:
            continue  # a call on the timeline entered, however it was first seen
        if match is not None:
            pool.remove(match)
            last_matched = step
        else:
            out.append(step)
    # What the PBX did before a step the timeline already has cannot follow it (the
    # timeline only grows, in order): the timeline went past it (e.g. a ring and the queue
    # exit before an answer inferred at a resync).
    if last_matched is not None:
        out = [s for s in out if steps.index(s) > steps.index(last_matched)]
    return out


def _before_loss(call: Call, seen: Sequence[SeenStep]) -> CallState:
    """Where the call was when the bridge lost sight of it, from what its record shows."""
    if call.dispatch_unit is not None:
        return S.HANDED_OFF
    if call.qualification is not None:
        return S.QUALIFIED
    if call.answered_at is not None:
        kinds = [s.kind for s in seen]
        transferred = "transferred" in kinds and kinds.index("transferred") > kinds.index(
            "answered"
        )
        return S.TRANSFERRED if transferred and "answered" in kinds else S.ANSWERED
    if call.queued_at is not None:
        return S.QUEUED
    return S.RINGING


def _last_seat(seen: Sequence[SeenStep], pbx: PbxCall, missing: list[PbxStep]) -> str | None:
    """The seat the call was with: its last answer on the timeline, else the PBX's last
    answer that the timeline has (the seat of a CONNECT seen live)."""
    found = next((s.seat for s in reversed(seen) if s.kind == "answered" and s.seat), None)
    if found is None:
        known = [s for s in pbx.steps if s.kind == "answered" and s not in missing]
        found = known[-1].seat if known else None
    return found


def _int(text: str) -> int:
    try:
        return int(text.strip() or 0)
    except ValueError:
        return 0


def _events(
    step: PbxStep, pbx: PbxCall, common: dict[str, Any], e164: Callable[[str], str | None]
) -> list[CallEvent]:
    """The domain events a PBX step stands for (a transfer ends the seat's conversation)."""
    base = {**common, "at": step.at, "source_id": f"pbxlog:{pbx.call_id}:{step.kind}:{step.nth}"}
    v = step.values
    d1, d2, d3, d4 = (v.get(k, "") for k in ("data1", "data2", "data3", "data4"))
    q, seat = step.queue, step.seat
    match step.kind:
        case "entered":
            caller = "" if pbx.caller.strip().lower() in ("", "<unknown>") else pbx.caller
            return [CallEntered(**base, caller_raw=caller, caller_e164=e164(caller))]
        case "queued":
            return [CallerQueued(**base, queue=q, position=_int(d3), count=0)]
        case "offered":
            return [SeatOffered(**base, queue=q, seat=seat)]
        case "ring_no_answer":
            return [SeatRingNoAnswer(**base, queue=q, seat=seat, ring_ms=_int(d1))]
        case "answered":
            hold, ring = _int(d1), _int(d3)
            return [CallAnswered(**base, queue=q, seat=seat, hold_seconds=hold, ring_seconds=ring)]
        case "conversation_ended":
            reason = "agent" if v.get("event") == "COMPLETEAGENT" else "caller"
            hold, talk = _int(d1), _int(d2)
            return [
                ConversationEnded(
                    **base, queue=q, seat=seat, hold_seconds=hold, talk_seconds=talk, reason=reason
                )
            ]
        case "transferred":
            blind = v.get("event") == "BLINDTRANSFER"
            ended = ConversationEnded(
                **base,
                queue=q,
                seat=seat,
                hold_seconds=_int(d3),
                talk_seconds=_int(d4),
                reason="transfer",
            )
            target = f"{d1}@{d2}" if blind else d2
            moved = CallTransferred(
                **base | {"source_id": base["source_id"] + ":transfer"},
                target=target,
                kind="blind" if blind else "attended",
            )
            return [ended, moved]
        case "abandoned":
            return [
                CallerAbandoned(
                    **base,
                    queue=q,
                    position=_int(d1),
                    original_position=_int(d2),
                    hold_seconds=_int(d3),
                )
            ]
        case "left_queue":
            position = _int(d2) if v.get("event") == "EXITWITHKEY" else _int(d1)
            return [CallerLeftQueue(**base, queue=q, position=position, count=0)]
        case "line_ended":
            return [LineEnded(**base)]
    return []
