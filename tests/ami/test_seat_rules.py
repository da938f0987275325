"""Seat state from device state, pause and the call events (pure rules)."""

from __future__ import annotations

import pytest

from callcenter.domain import seat_rules
from callcenter.domain.seats import Seat, SeatState

S = SeatState


def seen(prev: Seat | None, status: int, *, paused: bool = False, in_call: bool = False) -> Seat:
    return seat_rules.member_seen(
        prev,
        queue="line19",
        name="Seat 03",
        interface="PJSIP/seat03",
        status=status,
        paused=paused,
        reason="lunch" if paused else "",
        in_call=in_call,
    )


@pytest.mark.parametrize(
    ("status", "paused", "in_call", "expected"),
    [
        (1, False, False, S.AVAILABLE),
        (1, True, False, S.PAUSED),
        (2, False, False, S.IN_CALL),
        (2, True, True, S.IN_CALL),  # paused during a call: still in the call
        (6, False, False, S.RINGING),
        (5, False, False, S.LOGGED_OUT),  # unregistered phone
        (0, False, False, S.AVAILABLE),
    ],
)
def test_member_seen(status: int, paused: bool, in_call: bool, expected: SeatState) -> None:
    assert seen(None, status, paused=paused, in_call=in_call).state is expected


def test_a_call_rings_is_answered_and_ends() -> None:
    seat = seen(None, 1)
    seat = seat_rules.ringing(seat, "1.1")
    assert (seat.state, seat.call_id) == (S.RINGING, "1.1")
    seat = seen(seat, 2)  # Local channels report "in use" while ringing
    assert seat.state is S.RINGING
    seat = seat_rules.connected(seat, "1.1")
    assert (seat.state, seat.call_id) == (S.IN_CALL, "1.1")
    seat = seat_rules.released(seat)  # the seat leg hung up
    assert (seat.state, seat.call_id) == (S.AVAILABLE, None)


def test_paused_seat_stays_paused_after_its_call() -> None:
    seat = seat_rules.connected(seen(None, 1, paused=True), "1.1")
    assert seat.paused_reason == "lunch"
    assert seat_rules.released(seat).state is S.PAUSED
    assert seat_rules.logged_out(seat).state is S.LOGGED_OUT
