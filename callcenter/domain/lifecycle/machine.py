"""``transition(call, event) -> (call, effects)``: the rules table applied to one event.

The table is the union of the rules by concern (``queue``, ``talk``, ``outcome``); an event
type has one rule. See the package's doc for what the transition promises.
"""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain.call import Call
from callcenter.domain.effects import Effect
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerQueued,
    CallEvent,
    CallQualified,
    CallTransferred,
    QueueFull,
    SeatOffered,
    SeatRingNoAnswer,
)
from callcenter.domain.lifecycle.outcome import OUTCOME_RULES
from callcenter.domain.lifecycle.queue import QUEUE_RULES
from callcenter.domain.lifecycle.rule import Rule, S
from callcenter.domain.lifecycle.steps import (
    anomaly,
    decided,
    dispatch_effects,
    jsonable,
    notify,
    step,
)
from callcenter.domain.lifecycle.talk import TALK_RULES, left_seat, started

RULES: dict[type[CallEvent], Rule] = {**QUEUE_RULES, **TALK_RULES, **OUTCOME_RULES}

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
            effects.append(step(call, event, "entered", suffix=":entered", inferred=True))

    rule = RULES.get(type(event))
    ended = call.line_ended and type(event) in NEEDS_THE_LINE
    if rule is None or ended or not rule.allowed(call):
        effects.append(anomaly(call, event))
        return call, effects

    kind = rule.kind(call, event)
    new = rule.apply(call, event)
    left = None
    if isinstance(event, CallerQueued) and call.state in (S.ANSWERED, S.QUALIFIED) and call.seat:
        new, left = left_seat(call, new, event)
    own = step(new, event, kind)
    if isinstance(event, CallQualified) and call.incident_id is None:
        own = replace(own, payload={**own.payload, "incident_opened": new.incident_id})
    if kind == "conversation_ended":  # a seat's span: its start, beside the seat and TalkTime
        own = replace(own, payload={**own.payload, "started_at": jsonable(started(call))})
    effects.append(decided(call, new, own))  # the event's own step first
    if left is not None:
        effects.append(left)
    if new.state is S.CLOSED and call.state is not S.CLOSED and kind != "closed":
        # The last condition for closing (hand-off acknowledged, line ended) was just met.
        effects.append(step(new, event, "closed", suffix=":closed"))
    effects.append(notify(new, kind))
    effects.extend(dispatch_effects(new, event))
    return new, effects
