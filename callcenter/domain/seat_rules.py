"""How a seat's state follows what the PBX says about it. Pure functions on ``Seat`` values.

Availability follows QueueMemberStatus (device state) and the seat leg's hang-up, never
AgentComplete: after a Redirect the AgentComplete arrives long after the seat was free.
Device states (Asterisk ``AST_DEVICE_*``): 1 not in use, 2 in use, 3 busy, 5 unavailable,
6 ringing, 7 ringing while in use, 8 on hold.
"""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain.seats import Seat, SeatState

IN_USE = frozenset({2, 3, 8})
RINGING = frozenset({6, 7})
UNREACHABLE = frozenset({4, 5})  # invalid / unavailable (phone unregistered): takes no call


def _idle(paused: bool) -> SeatState:
    return SeatState.PAUSED if paused else SeatState.AVAILABLE


def member_seen(
    prev: Seat | None,
    *,
    queue: str,
    name: str,
    interface: str,
    status: int,
    paused: bool,
    reason: str,
    in_call: bool,
) -> Seat:
    """A QueueMember* event or a QueueStatus list entry described the seat."""
    call_id = prev.call_id if prev is not None else None
    if in_call or status in IN_USE:
        # Local channels are "in use" while they ring: keep RINGING until the answer.
        ringing = prev is not None and prev.state is SeatState.RINGING and not in_call
        state = SeatState.RINGING if ringing else SeatState.IN_CALL
    elif status in RINGING:
        state = SeatState.RINGING
    elif status in UNREACHABLE:
        state = SeatState.LOGGED_OUT
        call_id = None
    else:
        state = _idle(paused)
        call_id = None
    return Seat(
        name=name,
        interface=interface,
        queue=queue,
        state=state,
        paused_reason=reason if paused else None,  # "" = paused without a reason
        call_id=call_id,
    )


def ringing(seat: Seat, call_id: str) -> Seat:
    """AgentCalled: the seat's phone rings for ``call_id``."""
    if seat.state is SeatState.IN_CALL:
        return seat
    return replace(seat, state=SeatState.RINGING, call_id=call_id)


def own_call_answered(seat: Seat) -> Seat:
    """The seat picked up a call its own phone placed (a call-back: OriginateResponse
    Success). No AgentConnect comes for it, and Asterisk's pushed QueueMemberStatus says "in
    use" while Local channels still ring, so only this tells that the seat talks."""
    return replace(seat, state=SeatState.IN_CALL, call_id=None)


def connected(seat: Seat, call_id: str) -> Seat:
    """AgentConnect: the seat talks to ``call_id``."""
    return replace(seat, state=SeatState.IN_CALL, call_id=call_id)


def released(seat: Seat) -> Seat:
    """The seat stopped ringing without answering, or its leg of the call hung up."""
    return replace(seat, state=_idle(seat.paused_reason is not None), call_id=None)


def logged_out(seat: Seat) -> Seat:
    return replace(seat, state=SeatState.LOGGED_OUT, paused_reason=None, call_id=None)
