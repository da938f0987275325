"""The call lifecycle: ``transition(call, event) -> (call, effects)``.

Pure: it returns the new call and the effects to perform, and performs none. It never raises
for an event that does not fit the call's state: such an event becomes an ``anomaly`` step on
the timeline and the call is left as it was, so nothing is dropped and the event loop never
sees an exception from here. Once the caller's line ended, nothing that needs the line
(queueing, an offer, an answer, a transfer) is accepted any more (``NEEDS_THE_LINE``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from callcenter.domain.call import TERMINAL_STATES, Call, CallState
from callcenter.domain.effects import AppendTimeline, Effect, NotifyClients, RequestDispatch
from callcenter.domain.events import (
    CallAnswered,
    CallAttached,
    CallbackEnded,
    CallbackStarted,
    CallClosed,
    CallEntered,
    CallerAbandoned,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    CallLost,
    CallQualified,
    CallRecovered,
    CallReprioritised,
    CallResynced,
    CallTransferred,
    Clock,
    ConversationEnded,
    DispatchAcknowledged,
    DispatchEscalated,
    DispatchSent,
    IncidentReportAdded,
    LineEnded,
    OverflowRound,
    QueueFull,
    SeatOffered,
    SeatRingNoAnswer,
)
from callcenter.domain.incidents import incident_id_for

S = CallState
ALL_STATES = frozenset(CallState)
LIVE_STATES = ALL_STATES - TERMINAL_STATES


@dataclass(frozen=True)
class Rule:
    """When an event is legal, what it does to the call, and what the timeline step is called."""

    allowed: Callable[[Call], bool]
    apply: Callable[[Call, Any], Call]
    kind: Callable[[Call, Any], str]


def _in(*states: CallState) -> Callable[[Call], bool]:
    allowed = frozenset(states)
    return lambda call: call.state in allowed


def _named(kind: str) -> Callable[[Call, Any], str]:
    return lambda _call, _event: kind


def _entered(call: Call, e: CallEntered) -> Call:
    # The call-entry decision sent the caller to the overflow path (the room was full): the
    # call is not waiting in the queue and must not count against the room's capacity.
    state = S.OVERFLOWED if e.reason and e.route == "overflow" else call.state
    return replace(
        call,
        state=state,
        caller_raw=e.caller_raw or call.caller_raw,
        caller_e164=e.caller_e164 or call.caller_e164,
        # the PBX's report is the channel's creation: the call rang then, whatever callcenter's
        # FastAGI (which runs after Answer()) said first
        rang_at=call.rang_at if e.reason and call.rang_at else e.at,
    )


def _entry_kind(_call: Call, e: CallEntered) -> str:
    return "entry_decision" if e.reason else "entered"


def _queued(call: Call, e: CallerQueued) -> Call:
    # A caller redirected back into the queue arrives here from ANSWERED without any transfer
    # event (Asterisk sends none for Redirect): the seat is released.
    return replace(
        call,
        state=S.QUEUED,
        queue=e.queue,
        seat=None,
        queued_at=call.queued_at or e.at,
    )


def _overflowed(call: Call, e: QueueFull) -> Call:
    return replace(call, state=S.OVERFLOWED, queue=e.queue or call.queue)


def _offered(call: Call, e: SeatOffered) -> Call:
    return replace(
        call, state=S.OFFERED, queue=e.queue, seat=e.seat, offered_at=call.offered_at or e.at
    )


def _ring_no_answer(call: Call, _e: SeatRingNoAnswer) -> Call:
    return replace(call, state=S.QUEUED, seat=None)


def _unchanged(call: Call, _e: CallEvent) -> Call:
    return call


def _answered(call: Call, e: CallAnswered) -> Call:
    return replace(
        call,
        state=S.ANSWERED,
        queue=e.queue,
        seat=e.seat,
        answered_at=call.answered_at or e.at,
        seat_answered_at=e.at,
        # An answer inferred after a reconnect does not know Asterisk's hold time: the
        # AgentComplete that follows brings it (one rebuilt from queue_log's CONNECT does).
        hold_seconds=e.hold_seconds
        if call.hold_seconds is None and (not e.inferred or e.clock is Clock.PBX_LOG)
        else call.hold_seconds,
    )


def _conversation_ended(call: Call, e: ConversationEnded) -> Call:
    # A caller answered twice (re-queued after a Redirect) talked in two conversations.
    return replace(
        call,
        talk_seconds=(call.talk_seconds or 0) + e.talk_seconds,
        hold_seconds=e.hold_seconds if call.hold_seconds is None else call.hold_seconds,
    )


def _stale(call: Call, e: ConversationEnded) -> bool:
    """An AgentComplete for a conversation the caller already left: after a Redirect back
    into the queue Asterisk sends none at the redirect, then the first seat's when the caller
    finally hangs up (TalkTime counted up to then, often after the Hangup, without Channel
    fields: ``orphan``). Every live AgentComplete names the seat the call is with and its
    channel; it may come after the caller's last Hangup (the seat hung up first: COMPLETEAGENT,
    recorded in bridge-down-A), which does not make it stale; once the line ended, a second
    one for a call answered once (its conversation already counted: a repeated stream) is."""
    counted = call.talk_seconds is not None and call.seat_answered_at in (None, call.answered_at)
    return e.orphan or call.seat != e.seat or (call.line_ended and counted)


def _conversation_end(call: Call, e: ConversationEnded) -> Call:
    return call if _stale(call, e) else _conversation_ended(call, e)


def _conversation_kind(call: Call, e: ConversationEnded) -> str:
    return "stale_agent_complete" if _stale(call, e) else "conversation_ended"


def _abandoned(call: Call, e: CallerAbandoned) -> Call:
    return replace(
        call,
        state=S.ABANDONED,
        seat=None,
        hold_seconds=e.hold_seconds,
        abandon_position=e.position,
        abandon_original_position=e.original_position,
    )


def _transferred(call: Call, _e: CallTransferred) -> Call:
    return replace(call, state=S.TRANSFERRED)


_LINE_END_STATE = {
    S.RINGING: S.ABANDONED,  # hung up before reaching the queue
    S.QUEUED: S.ABANDONED,
    S.OFFERED: S.ABANDONED,
    S.OVERFLOWED: S.ABANDONED,  # hung up on the overflow path (domain/outcomes.py)
    S.HANDED_OFF: S.CLOSED,
    S.TRANSFERRED: S.CLOSED,
}


def _line_ended(call: Call, e: LineEnded) -> Call:
    state = _LINE_END_STATE.get(call.state, call.state)
    seat = None if state is S.ABANDONED else call.seat
    return replace(call, state=state, seat=seat, line_ended=True, ended_at=call.ended_at or e.at)


def _qualified(call: Call, e: CallQualified) -> Call:
    state = S.HANDED_OFF if call.state is S.HANDED_OFF else S.QUALIFIED
    return replace(
        call,
        state=state,
        qualification=e.qualification,
        qualified_at=call.qualified_at or e.at,
        # the first qualified call about an event opens its incident
        incident_id=call.incident_id or incident_id_for(call.id),
    )


def _attachable(call: Call) -> bool:
    """Answered, not dispatched on a ticket of its own, and not in another call's incident."""
    return (
        call.state in (S.ANSWERED, S.QUALIFIED, S.TRANSFERRED)
        and call.dispatch_ticket is None
        and call.incident_id in (None, incident_id_for(call.id))
    )


def _attached(call: Call, e: CallAttached) -> Call:
    return replace(call, incident_id=e.incident_id)


def _qualified_kind(call: Call, e: CallQualified) -> str:
    if call.qualification is None:
        return "qualified"
    if e.qualification == call.qualification and (e.ticket_id or e.incident_ticket_id):
        return "dispatch_requested"  # handed off as qualified: nothing was amended
    return "amended"


def _dispatch_sent(call: Call, e: DispatchSent) -> Call:
    return replace(call, dispatch_ticket=e.ticket_id)


def _acknowledged(call: Call, e: DispatchAcknowledged) -> Call:
    # The caller may have hung up long before the radio dispatcher took the ticket. A call
    # whose end nobody knows (``lost``) stays lost: the unit sent is recorded on it.
    state = S.CLOSED if call.line_ended else S.HANDED_OFF
    return replace(
        call,
        state=S.LOST if call.state is S.LOST else state,
        dispatch_ticket=e.ticket_id,
        dispatch_unit=e.unit,
        handed_off_at=e.at,
    )


def _closed(call: Call, _e: CallClosed) -> Call:
    return replace(call, state=S.CLOSED)


def _lost(call: Call, _e: CallLost) -> Call:
    return replace(call, state=S.LOST, seat=None)


def _recovered(call: Call, e: CallRecovered) -> Call:
    return replace(call, state=CallState(e.state), seat=e.seat)


def _ticket_waits(call: Call) -> bool:
    """A dispatch ticket may still be acknowledged (or escalated): the call was qualified and
    no unit was sent yet. A call marked ``lost`` (the bridge lost sight of it) or reconciled
    from the PBX's records keeps its ticket: the radio dispatcher's word is always recorded."""
    if call.state is S.QUALIFIED:
        return True
    return call.state is S.LOST and call.qualification is not None and call.dispatch_unit is None


RULES: dict[type[CallEvent], Rule] = {
    # The bridge reports the first channel ("entered"); the FastAGI its decision, with the
    # reason ("entry_decision"). Either may come first; an overflow decision may precede the
    # bridge's report.
    CallEntered: Rule(_in(S.RINGING, S.OVERFLOWED), _entered, _entry_kind),
    CallerQueued: Rule(
        _in(S.RINGING, S.OVERFLOWED, S.TRANSFERRED, S.ANSWERED, S.QUALIFIED),
        _queued,
        _named("queued"),
    ),
    QueueFull: Rule(_in(S.RINGING, S.OVERFLOWED, S.TRANSFERRED), _overflowed, _named("overflowed")),
    # each round of the overflow path is on the timeline, even when the queue is not tried
    # (callcenter's room is full while Asterisk's queue is not): RINGING when the entry's AGI
    # failed and the full queue's report has not been processed yet
    OverflowRound: Rule(_in(S.RINGING, S.OVERFLOWED), _unchanged, _named("overflow_round")),
    SeatOffered: Rule(_in(S.QUEUED, S.OFFERED), _offered, _named("offered")),
    SeatRingNoAnswer: Rule(_in(S.QUEUED, S.OFFERED), _ring_no_answer, _named("ring_no_answer")),
    CallerLeftQueue: Rule(_in(S.QUEUED, S.OFFERED, S.ABANDONED), _unchanged, _named("left_queue")),
    CallReprioritised: Rule(_in(S.QUEUED, S.OFFERED), _unchanged, _named("reprioritised")),
    CallAnswered: Rule(_in(S.QUEUED, S.OFFERED), _answered, _named("answered")),
    # AgentComplete after a Redirect arrives late, even after the caller's Hangup: it is legal
    # in any state once the call has been answered, and a stale one is recorded as such
    # ("stale_agent_complete") without changing the call.
    ConversationEnded: Rule(
        lambda call: call.answered_at is not None,
        _conversation_end,
        _conversation_kind,
    ),
    CallerAbandoned: Rule(_in(S.QUEUED, S.OFFERED), _abandoned, _named("abandoned")),
    CallTransferred: Rule(
        _in(S.ANSWERED, S.QUALIFIED, S.HANDED_OFF), _transferred, _named("transferred")
    ),
    LineEnded: Rule(
        lambda call: call.state is not S.LOST and not call.line_ended,
        _line_ended,
        _named("line_ended"),
    ),
    CallQualified: Rule(
        _in(S.ANSWERED, S.QUALIFIED, S.HANDED_OFF, S.TRANSFERRED), _qualified, _qualified_kind
    ),
    DispatchSent: Rule(
        _in(S.QUALIFIED, S.HANDED_OFF, S.CLOSED), _dispatch_sent, _named("dispatch_sent")
    ),
    DispatchAcknowledged: Rule(_ticket_waits, _acknowledged, _named("handed_off")),
    DispatchEscalated: Rule(_ticket_waits, _unchanged, _named("dispatch_escalated")),
    CallClosed: Rule(
        _in(S.ANSWERED, S.QUALIFIED, S.TRANSFERRED, S.OVERFLOWED), _closed, _named("closed")
    ),
    CallLost: Rule(lambda call: call.state in LIVE_STATES, _lost, _named("lost")),
    # incidents (domain/incidents.py): a call joins another's incident; the incident's ticket
    # holder (or opener) records each report added, whatever its own state
    CallAttached: Rule(_attachable, _attached, _named("attached")),
    IncidentReportAdded: Rule(lambda _call: True, _unchanged, _named("incident_report")),
    CallResynced: Rule(lambda call: call.state in LIVE_STATES, _unchanged, _named("resynced")),
    # The PBX's own records explain a lost call (domain/reconcile.py): back to where it was.
    CallRecovered: Rule(_in(S.LOST), _recovered, _named("recovered")),
    # a call-back of the caller (domain/callbacks.py): on the original call's timeline
    CallbackStarted: Rule(lambda call: True, _unchanged, _named("callback_started")),
    CallbackEnded: Rule(lambda call: True, _unchanged, _named("callback_result")),
}


# What only a caller still on the line can do: once the line ended these are refused
# (anomaly), so a call repeated in one AMI stream cannot add a second life after its end.
NEEDS_THE_LINE: frozenset[type[CallEvent]] = frozenset(
    {
        CallEntered,
        CallerQueued,
        QueueFull,
        SeatOffered,
        SeatRingNoAnswer,
        CallAnswered,
        CallTransferred,
    }
)


def new_call(event: CallEvent) -> Call:
    """The record of a call seen for the first time."""
    return Call(id=event.call_id, rang_at=event.at)


def transition(call: Call | None, event: CallEvent) -> tuple[Call, list[Effect]]:
    """Apply ``event`` to ``call`` (None: a call not seen before) and list the effects."""
    effects: list[Effect] = []
    if call is None:
        call = new_call(event)
        if not isinstance(event, CallEntered):
            # We joined the call late (after a reconnect, or a replay that starts mid-call).
            effects.append(_step(call, event, "entered", suffix=":entered", inferred=True))

    rule = RULES.get(type(event))
    ended = call.line_ended and type(event) in NEEDS_THE_LINE
    if rule is None or ended or not rule.allowed(call):
        effects.append(_anomaly(call, event))
        return call, effects

    kind = rule.kind(call, event)
    new = rule.apply(call, event)
    left = None
    if isinstance(event, CallerQueued) and call.state in (S.ANSWERED, S.QUALIFIED) and call.seat:
        new, left = _left_seat(call, new, event)
    step = _step(new, event, kind)
    if isinstance(event, CallQualified) and call.incident_id is None:
        step = replace(step, payload={**step.payload, "incident_opened": new.incident_id})
    if kind == "conversation_ended":  # a seat's span: its start, beside the seat and TalkTime
        step = replace(step, payload={**step.payload, "started_at": _jsonable(_started(call))})
    effects.append(_decided(call, new, step))  # the event's own step first
    if left is not None:
        effects.append(left)
    if new.state is S.CLOSED and call.state is not S.CLOSED and kind != "closed":
        # The last condition for closing (hand-off acknowledged, line ended) was just met.
        effects.append(_step(new, event, "closed", suffix=":closed"))
    effects.append(_notify(new, kind))
    effects.extend(_dispatch_effects(new, event))
    return new, effects


def _decided(call: Call, new: Call, step: AppendTimeline) -> AppendTimeline:
    """The step at which the call's outcome is decided says so, and the step at which the
    caller's wait from entry becomes known records it (``domain/outcomes.py``): the export's
    ``wait_seconds`` is then on the hash-chained timeline too."""
    extra: dict[str, Any] = {}
    if new.outcome is not None and call.outcome != new.outcome:
        extra["outcome"] = new.outcome
    if new.wait_seconds is not None and call.wait_seconds is None:
        extra["wait_seconds"] = new.wait_seconds
    return replace(step, payload={**step.payload, **extra}) if extra else step


def _left_seat(call: Call, new: Call, event: CallerQueued) -> tuple[Call, AppendTimeline]:
    """A caller in conversation joins the queue again: it was Redirected out of the seat's
    bridge, and Asterisk reports no end of that conversation (its AgentComplete comes stale,
    at the final hang-up). The conversation ended now: its own ``conversation_ended`` step
    (the seat, ``started_at`` its answer, the step's time its end, ``talk_seconds`` its span),
    and the span is added to the call's ``talk_seconds``: a call's talk is the sum of its
    seats' conversations. A call stored before ``seat_answered_at`` was kept knows the start
    of its first conversation only (``answered_at``); a later one's span is then null."""
    start = _started(call)
    talk: int | None = None
    if start is not None:
        talk = max(0, round((event.at - start).total_seconds()))
        new = replace(new, talk_seconds=(call.talk_seconds or 0) + talk)
    step = _step(new, event, "conversation_ended", suffix=":left_seat")
    payload = {
        "queue": call.queue,
        "seat": call.seat,
        "started_at": _jsonable(start),
        "talk_seconds": talk,
        "reason": "redirect",
    }
    return new, replace(step, payload={**payload, "state": call.state.value})


def _started(call: Call) -> datetime | None:
    """When the conversation in progress started: its seat's answer. A call stored before
    ``seat_answered_at`` was kept knows only its first answer, right while no conversation
    has ended yet."""
    if call.seat_answered_at is not None:
        return call.seat_answered_at
    return call.answered_at if call.talk_seconds is None else None


def _dispatch_effects(call: Call, event: CallEvent) -> list[Effect]:
    """The hand-off request of a qualification, and the supervisors' alert of an escalation."""
    if isinstance(event, CallQualified) and event.ticket_id:
        return [
            RequestDispatch(
                call_id=call.id,
                ticket_id=event.ticket_id,
                qualification=event.qualification,
                at=event.at,
                by=event.by,
            )
        ]
    if isinstance(event, IncidentReportAdded) and event.ticket_id:
        # the dispatchers' console counts the callers of the ticket's incident (no seat: the
        # operators' feeds follow their own tickets' changes, not this count)
        return [
            NotifyClients(
                topic="dispatch",
                call_id=call.id,
                kind="ticket_callers",
                seat=None,
                payload={
                    "id": event.ticket_id,
                    "incident_id": event.incident_id,
                    "callers": event.callers,
                },
            )
        ]
    if isinstance(event, DispatchEscalated):
        q = call.qualification
        return [
            NotifyClients(
                topic="alert",
                call_id=call.id,
                kind="dispatch_escalated",
                payload={
                    "ticket_id": event.ticket_id,
                    "waited_seconds": event.waited_seconds,
                    "priority": q.priority if q else None,
                    "incident_type": q.incident_type if q else None,
                    "address": q.address if q else None,
                },
            )
        ]
    return []


def _step(
    call: Call, event: CallEvent, kind: str, *, suffix: str = "", inferred: bool | None = None
) -> AppendTimeline:
    payload: dict[str, Any] = {k: _jsonable(v) for k, v in event.details().items()}
    payload["state"] = call.state.value
    return AppendTimeline(
        call_id=call.id,
        kind=kind,
        at=event.at,
        received_at=event.received_at,
        source_id=event.source_id + suffix,
        clock=event.clock,
        inferred=event.inferred if inferred is None else inferred,
        payload=payload,
    )


def _anomaly(call: Call, event: CallEvent) -> AppendTimeline:
    step = _step(call, event, "anomaly")
    payload = {"event": type(event).__name__, "refused_in_state": call.state.value}
    return replace(step, payload={**payload, **step.payload})


def _notify(call: Call, kind: str) -> NotifyClients:
    return NotifyClients(
        topic="call",
        call_id=call.id,
        kind=kind,
        seat=call.seat,
        payload={"state": call.state.value, "queue": call.queue, "seat": call.seat},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
