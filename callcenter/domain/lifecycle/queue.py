"""The lifecycle's rules from the caller's entry to a seat: entry, queue, overflow, offers.

A caller who hangs up while waiting (``CallerAbandoned``) ends here too: the queue reports it.
"""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain.call import Call
from callcenter.domain.events import (
    CallEntered,
    CallerAbandoned,
    CallerLeftQueue,
    CallerQueued,
    CallEvent,
    CallReprioritised,
    OverflowRound,
    QueueFull,
    SeatOffered,
    SeatRingNoAnswer,
)
from callcenter.domain.lifecycle.rule import Rule, S, in_states, named, unchanged


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


def _abandoned(call: Call, e: CallerAbandoned) -> Call:
    return replace(
        call,
        state=S.ABANDONED,
        seat=None,
        hold_seconds=e.hold_seconds,
        abandon_position=e.position,
        abandon_original_position=e.original_position,
    )


QUEUE_RULES: dict[type[CallEvent], Rule] = {
    # The bridge reports the first channel ("entered"); the FastAGI its decision, with the
    # reason ("entry_decision"). Either may come first; an overflow decision may precede the
    # bridge's report.
    CallEntered: Rule(in_states(S.RINGING, S.OVERFLOWED), _entered, _entry_kind),
    CallerQueued: Rule(
        in_states(S.RINGING, S.OVERFLOWED, S.TRANSFERRED, S.ANSWERED, S.QUALIFIED),
        _queued,
        named("queued"),
    ),
    QueueFull: Rule(
        in_states(S.RINGING, S.OVERFLOWED, S.TRANSFERRED), _overflowed, named("overflowed")
    ),
    # each round of the overflow path is on the timeline, even when the queue is not tried
    # (callcenter's room is full while Asterisk's queue is not): RINGING when the entry's AGI
    # failed and the full queue's report has not been processed yet
    OverflowRound: Rule(in_states(S.RINGING, S.OVERFLOWED), unchanged, named("overflow_round")),
    SeatOffered: Rule(in_states(S.QUEUED, S.OFFERED), _offered, named("offered")),
    SeatRingNoAnswer: Rule(
        in_states(S.QUEUED, S.OFFERED), _ring_no_answer, named("ring_no_answer")
    ),
    CallerLeftQueue: Rule(
        in_states(S.QUEUED, S.OFFERED, S.ABANDONED), unchanged, named("left_queue")
    ),
    CallReprioritised: Rule(in_states(S.QUEUED, S.OFFERED), unchanged, named("reprioritised")),
    CallerAbandoned: Rule(in_states(S.QUEUED, S.OFFERED), _abandoned, named("abandoned")),
}
