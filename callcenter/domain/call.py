"""The call record as the lifecycle sees it: an immutable value, replaced on every transition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callcenter.domain import outcomes
from callcenter.domain.events import Qualification


class CallState(StrEnum):
    RINGING = "ringing"  # entered the line-19 dialplan, not yet queued
    QUEUED = "queued"
    OFFERED = "offered"  # a seat's phone rings
    ANSWERED = "answered"
    QUALIFIED = "qualified"
    HANDED_OFF = "handed_off"  # a radio dispatcher acknowledged the ticket
    CLOSED = "closed"
    ABANDONED = "abandoned"  # caller hung up while queued or while a seat rang
    OVERFLOWED = "overflowed"  # the room was full; the caller waits on the overflow path
    TRANSFERRED = "transferred"
    LOST = "lost"  # the PBX no longer knew the call after a reconnect


TERMINAL_STATES = frozenset({CallState.CLOSED, CallState.ABANDONED, CallState.LOST})
WAITING_STATES = frozenset({CallState.RINGING, CallState.QUEUED, CallState.OFFERED})


def still_live(state: str, line_ended: bool) -> bool:
    """Someone may still be on a call recorded in this state: a restarted bridge adopts it."""
    return not line_ended and state not in TERMINAL_STATES


@dataclass(frozen=True, kw_only=True)
class Call:
    id: str  # Asterisk Linkedid: shared by every leg of the call
    state: CallState = CallState.RINGING
    caller_raw: str = ""
    caller_e164: str | None = None
    queue: str | None = None
    seat: str | None = None
    line_ended: bool = False
    rang_at: datetime | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None  # the first answer
    # The latest seat's answer (its AgentConnect): the start of the conversation in progress,
    # ended by a Redirect back into the queue (a caller answered by several seats).
    seat_answered_at: datetime | None = None
    qualified_at: datetime | None = None
    handed_off_at: datetime | None = None
    ended_at: datetime | None = None
    hold_seconds: int | None = None
    talk_seconds: int | None = None
    abandon_position: int | None = None
    abandon_original_position: int | None = None
    qualification: Qualification | None = None
    dispatch_ticket: str | None = None
    dispatch_unit: str | None = None
    # The incident the call reports (``domain/incidents.py``): the one its first qualification
    # opened, or the one an operator attached it to.
    incident_id: str | None = None

    @property
    def outcome(self) -> str | None:
        """How the call ended (``callcenter.domain.outcomes``), None while undecided."""
        found = outcomes.outcome(
            state=self.state.value,
            answered_at=self.answered_at,
            dispatch_unit=self.dispatch_unit,
            line_ended=self.line_ended,
        )
        return found.value if found is not None else None

    @property
    def wait_seconds(self) -> int | None:
        """The caller's wait from entry to the answer or the hang-up, overflow included."""
        return outcomes.wait_seconds(
            self.outcome, rang_at=self.rang_at, answered_at=self.answered_at, ended_at=self.ended_at
        )
