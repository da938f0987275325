"""The lifecycle's rules from the qualification to the call's end: the line's end, the
qualification and its hand-off to radio dispatch, incidents, closing, a call lost and
recovered, and the steps other parts of the room write on a call (resync, call-backs).
"""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain.call import Call, CallState
from callcenter.domain.events import (
    CallAttached,
    CallbackEnded,
    CallbackStarted,
    CallClosed,
    CallEvent,
    CallLost,
    CallQualified,
    CallRecovered,
    CallResynced,
    DispatchAcknowledged,
    DispatchEscalated,
    DispatchSent,
    IncidentReportAdded,
    LineEnded,
)
from callcenter.domain.incidents import incident_id_for
from callcenter.domain.lifecycle.rule import LIVE_STATES, Rule, S, in_states, named, unchanged

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


OUTCOME_RULES: dict[type[CallEvent], Rule] = {
    LineEnded: Rule(
        lambda call: call.state is not S.LOST and not call.line_ended,
        _line_ended,
        named("line_ended"),
    ),
    CallQualified: Rule(
        in_states(S.ANSWERED, S.QUALIFIED, S.HANDED_OFF, S.TRANSFERRED),
        _qualified,
        _qualified_kind,
    ),
    DispatchSent: Rule(
        in_states(S.QUALIFIED, S.HANDED_OFF, S.CLOSED), _dispatch_sent, named("dispatch_sent")
    ),
    DispatchAcknowledged: Rule(_ticket_waits, _acknowledged, named("handed_off")),
    DispatchEscalated: Rule(_ticket_waits, unchanged, named("dispatch_escalated")),
    CallClosed: Rule(
        in_states(S.ANSWERED, S.QUALIFIED, S.TRANSFERRED, S.OVERFLOWED), _closed, named("closed")
    ),
    CallLost: Rule(lambda call: call.state in LIVE_STATES, _lost, named("lost")),
    # incidents (domain/incidents.py): a call joins another's incident; the incident's ticket
    # holder (or opener) records each report added, whatever its own state
    CallAttached: Rule(_attachable, _attached, named("attached")),
    IncidentReportAdded: Rule(lambda _call: True, unchanged, named("incident_report")),
    CallResynced: Rule(lambda call: call.state in LIVE_STATES, unchanged, named("resynced")),
    # The PBX's own records explain a lost call (domain/reconcile.py): back to where it was.
    CallRecovered: Rule(in_states(S.LOST), _recovered, named("recovered")),
    # a call-back of the caller (domain/callbacks.py): on the original call's timeline
    CallbackStarted: Rule(lambda call: True, unchanged, named("callback_started")),
    CallbackEnded: Rule(lambda call: True, unchanged, named("callback_result")),
}
