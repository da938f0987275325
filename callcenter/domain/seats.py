"""Seats (queue members) as the room sees them. Pure values; the AMI bridge keeps them current."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SeatState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RINGING = "ringing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


@dataclass(frozen=True, kw_only=True)
class Seat:
    name: str  # queue member name, e.g. "Seat 03"
    interface: str  # e.g. "PJSIP/seat03"
    queue: str = "line19"
    state: SeatState = SeatState.LOGGED_OUT
    paused_reason: str | None = None
    call_id: str | None = None  # the call it rings for or talks to
