"""The lifecycle's rules of a conversation: the answer, its end, a transfer.

A caller may talk to several seats (Redirected back into the queue in between): each seat's
conversation is a span on the timeline, and the call's ``talk_seconds`` is their sum.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from callcenter.domain.call import Call
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.events import (
    CallAnswered,
    CallerQueued,
    CallEvent,
    CallTransferred,
    Clock,
    ConversationEnded,
)
from callcenter.domain.lifecycle.rule import Rule, S, in_states, named
from callcenter.domain.lifecycle.steps import jsonable, step


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


def _transferred(call: Call, _e: CallTransferred) -> Call:
    return replace(call, state=S.TRANSFERRED)


TALK_RULES: dict[type[CallEvent], Rule] = {
    CallAnswered: Rule(in_states(S.QUEUED, S.OFFERED), _answered, named("answered")),
    # AgentComplete after a Redirect arrives late, even after the caller's Hangup: it is legal
    # in any state once the call has been answered, and a stale one is recorded as such
    # ("stale_agent_complete") without changing the call.
    ConversationEnded: Rule(
        lambda call: call.answered_at is not None,
        _conversation_end,
        _conversation_kind,
    ),
    CallTransferred: Rule(
        in_states(S.ANSWERED, S.QUALIFIED, S.HANDED_OFF), _transferred, named("transferred")
    ),
}


def left_seat(call: Call, new: Call, event: CallerQueued) -> tuple[Call, AppendTimeline]:
    """A caller in conversation joins the queue again: it was Redirected out of the seat's
    bridge, and Asterisk reports no end of that conversation (its AgentComplete comes stale,
    at the final hang-up). The conversation ended now: its own ``conversation_ended`` step
    (the seat, ``started_at`` its answer, the step's time its end, ``talk_seconds`` its span),
    and the span is added to the call's ``talk_seconds``: a call's talk is the sum of its
    seats' conversations. A call stored before ``seat_answered_at`` was kept knows the start
    of its first conversation only (``answered_at``); a later one's span is then null."""
    start = started(call)
    talk: int | None = None
    if start is not None:
        talk = max(0, round((event.at - start).total_seconds()))
        new = replace(new, talk_seconds=(call.talk_seconds or 0) + talk)
    ended = step(new, event, "conversation_ended", suffix=":left_seat")
    payload = {
        "queue": call.queue,
        "seat": call.seat,
        "started_at": jsonable(start),
        "talk_seconds": talk,
        "reason": "redirect",
    }
    return new, replace(ended, payload={**payload, "state": call.state.value})


def started(call: Call) -> datetime | None:
    """When the conversation in progress started: its seat's answer. A call stored before
    ``seat_answered_at`` was kept knows only its first answer, right while no conversation
    has ended yet."""
    if call.seat_answered_at is not None:
        return call.seat_answered_at
    return call.answered_at if call.talk_seconds is None else None
