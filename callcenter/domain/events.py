"""Domain events: what happened to a call, already translated from AMI, AGI or a person.

Every event is a frozen dataclass. ``source_id`` is the identity of what caused it (a hash of
the AMI frame, an HTTP request's idempotency key): the store refuses a second timeline entry with
the same ``(call_id, source_id)``, so replaying a stream twice records nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from callcenter.domain.entry_reasons import ReasonCode, as_json


class Clock(StrEnum):
    """Where an event's ``at`` came from, so auditors know how far to trust it."""

    PBX = "pbx"  # Asterisk's own Timestamp header (timestampevents = yes)
    ARRIVAL = "arrival"  # the time callcenter received it
    INFERRED = "inferred"  # reconstructed after a reconnect from a snapshot
    PBX_LOG = "pbx-log"  # reconstructed from Asterisk's own records (queue_log, CEL)


@dataclass(frozen=True, kw_only=True)
class CallEvent:
    call_id: str
    at: datetime
    received_at: datetime
    source_id: str
    clock: Clock = Clock.ARRIVAL
    inferred: bool = False

    def details(self) -> dict[str, Any]:
        """The event's own fields, for the timeline payload."""
        skip = {"call_id", "at", "received_at", "source_id", "clock", "inferred"}
        return {k: v for k, v in vars(self).items() if k not in skip}


@dataclass(frozen=True, kw_only=True)
class CallEntered(CallEvent):
    """The call reached the line-19 dialplan (first leg created, or the AGI asked about it).

    When the FastAGI ``qualify`` route sends it, it also carries what was decided and why:
    ``route`` is ``queue`` or ``overflow`` (the room was full), ``priority`` the QUEUE_PRIO
    given, ``linked_call_ids`` the same caller's calls in the repeat window, and ``degraded``
    says the answer fell back to safe defaults (store slow or down); ``notes`` list why.
    ``reason`` is the English sentence, ``reason_codes`` the same as codes the panel
    translates (``domain/entry_reasons.py``; empty in events from before the codes existed).
    """

    caller_raw: str = ""
    caller_e164: str | None = None
    channel: str = ""
    number_kind: str = ""
    route: str = "queue"
    priority: int = 0
    reason: str = ""
    repeat_count: int = 0
    linked_call_ids: tuple[str, ...] = ()
    callback_after_abandon: bool = False
    degraded: bool = False
    notes: tuple[str, ...] = ()
    reason_codes: tuple[ReasonCode, ...] = ()

    def details(self) -> dict[str, Any]:
        """The PBX's report (no ``reason``) knows nothing of the decision: no route, priority,
        ... in its step (it would read "priority 0" while the AGI set 10)."""
        found = super().details()
        if not self.reason:
            for name in DECISION_FIELDS:
                found.pop(name, None)
        else:
            found["reason_codes"] = as_json(self.reason_codes)
        return found


DECISION_FIELDS = (
    "route",
    "priority",
    "reason",
    "repeat_count",
    "linked_call_ids",
    "callback_after_abandon",
    "degraded",
    "notes",
    "reason_codes",
)


@dataclass(frozen=True, kw_only=True)
class CallerQueued(CallEvent):
    """QueueCallerJoin: the caller waits in ``queue`` at ``position``."""

    queue: str
    position: int
    count: int
    channel: str = ""


@dataclass(frozen=True, kw_only=True)
class OverflowRound(CallEvent):
    """The overflow path asked callcenter again (FastAGI ``qualify?retry=N``, once every
    ``OVERFLOW_RETRY_WAIT`` seconds): round ``retry``, and what was decided this time
    (``reason_codes`` as on ``CallEntered``)."""

    retry: int
    route: str
    priority: int
    reason: str
    degraded: bool = False
    notes: tuple[str, ...] = ()
    reason_codes: tuple[ReasonCode, ...] = ()

    def details(self) -> dict[str, Any]:
        return {**super().details(), "reason_codes": as_json(self.reason_codes)}


@dataclass(frozen=True, kw_only=True)
class QueueFull(CallEvent):
    """The queue had reached maxlen; the dialplan sends the caller to the overflow path."""

    queue: str = ""


@dataclass(frozen=True, kw_only=True)
class SeatOffered(CallEvent):
    """AgentCalled: a seat's phone rings for this caller."""

    queue: str
    seat: str
    interface: str = ""


@dataclass(frozen=True, kw_only=True)
class SeatRingNoAnswer(CallEvent):
    """AgentRingNoAnswer: the seat did not pick up (busy, congested, timeout)."""

    queue: str
    seat: str
    ring_ms: int


@dataclass(frozen=True, kw_only=True)
class CallerLeftQueue(CallEvent):
    """QueueCallerLeave: the caller left the waiting list (answered or abandoned)."""

    queue: str
    position: int
    count: int


@dataclass(frozen=True, kw_only=True)
class CallAnswered(CallEvent):
    """AgentConnect: a seat answered. ``hold_seconds``/``ring_seconds`` are Asterisk's."""

    queue: str
    seat: str
    hold_seconds: int
    ring_seconds: int


@dataclass(frozen=True, kw_only=True)
class ConversationEnded(CallEvent):
    """AgentComplete: the seat's conversation ended (``reason``: agent, caller, transfer).

    ``orphan``: it named no channel, as only Asterisk's stale AgentComplete does (after a
    Redirect, once the caller finally hung up): the call is the seat's last one, a guess."""

    queue: str
    seat: str
    hold_seconds: int
    talk_seconds: int
    reason: str
    orphan: bool = False

    def details(self) -> dict[str, Any]:
        found = super().details()
        if not self.orphan:
            found.pop("orphan")
        return found


@dataclass(frozen=True, kw_only=True)
class CallerAbandoned(CallEvent):
    """QueueCallerAbandon: the caller hung up while waiting."""

    queue: str
    position: int
    original_position: int
    hold_seconds: int


@dataclass(frozen=True, kw_only=True)
class CallTransferred(CallEvent):
    """The call was sent elsewhere (blind or attended transfer, or a Redirect)."""

    target: str
    kind: str = "blind"


@dataclass(frozen=True, kw_only=True)
class LineEnded(CallEvent):
    """The last channel of the call hung up: nobody is on the line any more."""

    cause: str = ""


@dataclass(frozen=True, kw_only=True)
class Qualification:
    incident_type: str
    priority: str  # P1..P4
    address: str
    latitude: float | None = None
    longitude: float | None = None
    callback_e164: str | None = None
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class CallQualified(CallEvent):
    """An operator qualified (or amended the qualification of) the call."""

    qualification: Qualification
    by: str
    # Set when the operator hands the call to radio dispatch with this qualification: the
    # ticket and its outbox row are written in the same transaction as this step.
    ticket_id: str | None = None
    # Set instead when the call's incident (domain/incidents.py) is on another call's ticket
    # already: the hand-off goes to that ticket, and no ticket is written.
    incident_ticket_id: str | None = None

    def details(self) -> dict[str, Any]:
        extra = {"ticket_id": self.ticket_id} if self.ticket_id else {}
        if self.incident_ticket_id:
            extra["incident_ticket_id"] = self.incident_ticket_id
        return {"by": self.by, **vars(self.qualification), **extra}


@dataclass(frozen=True, kw_only=True)
class DispatchSent(CallEvent):
    """The dispatch ticket left the outbox for the radio dispatch queue."""

    ticket_id: str


@dataclass(frozen=True, kw_only=True)
class DispatchAcknowledged(CallEvent):
    """A radio dispatcher took the ticket and sent ``unit``."""

    ticket_id: str
    unit: str
    by: str


@dataclass(frozen=True, kw_only=True)
class DispatchEscalated(CallEvent):
    """Nobody acknowledged the ticket within ``waited_seconds``: supervisors are alerted."""

    ticket_id: str
    waited_seconds: int


@dataclass(frozen=True, kw_only=True)
class CallReprioritised(CallEvent):
    """A supervisor moved a waiting caller in the queue (Asterisk QUEUE_PRIO ``priority``)."""

    priority: int
    by: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CallClosed(CallEvent):
    """An operator closed a call that needs no dispatch (prank, silent, information)."""

    by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CallLost(CallEvent):
    """After a reconnect, Asterisk no longer knows the call: what happened in the gap is unknown."""

    gap_started: datetime
    gap_ended: datetime

    def details(self) -> dict[str, Any]:
        return {
            "gap_started": self.gap_started.isoformat(),
            "gap_ended": self.gap_ended.isoformat(),
        }


@dataclass(frozen=True, kw_only=True)
class CallResynced(CallEvent):
    """After a (re)connection, the PBX's snapshot confirmed the call is still there.

    ``pbx_state`` is what the snapshot showed (``waiting``, ``talking``, ``other``); the gap is
    the time the bridge was not listening (equal bounds when there was no gap).
    """

    gap_started: datetime
    gap_ended: datetime
    pbx_state: str
    seat: str | None = None

    def details(self) -> dict[str, Any]:
        return {
            "gap_started": self.gap_started.isoformat(),
            "gap_ended": self.gap_ended.isoformat(),
            "pbx_state": self.pbx_state,
            "seat": self.seat,
        }


@dataclass(frozen=True, kw_only=True)
class CallRecovered(CallEvent):
    """Asterisk's own records (queue_log, CEL) explain a call marked ``lost``: it goes back
    to ``state`` (where it was when the bridge lost sight of it, with its ``seat``), and the
    steps reconstructed from those records follow (``domain/reconcile.py``)."""

    state: str
    seat: str | None = None
    source: str = ""  # which records: "queue_log", "queue_log+cel", "queue_log file"


@dataclass(frozen=True, kw_only=True)
class CallAttached(CallEvent):
    """An operator attached the call to an incident another call opened: it reports the same
    event. ``ticket_id``: the incident's dispatch ticket, when it has one (no second unit is
    sent); ``reasons``: why the incident was suggested, as the operator saw them."""

    incident_id: str
    by: str
    ticket_id: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IncidentReportAdded(CallEvent):
    """Another call reporting this call's incident was attached to it: its information joins
    the incident (on the timeline of the call that holds the incident's ticket, or opened it).
    ``callers``: how many calls report the incident now."""

    incident_id: str
    reporter_call_id: str
    by: str
    callers: int
    caller_e164: str | None = None
    ticket_id: str | None = None
    qualification: Qualification | None = None

    def details(self) -> dict[str, Any]:
        found = super().details()
        q = found.pop("qualification")
        return {**found, "report": vars(q) if q is not None else None}


@dataclass(frozen=True, kw_only=True)
class CallbackStarted(CallEvent):
    """An operator calls the caller of this (ended) call back from ``seat``: attempt n."""

    seat: str
    number: str
    attempt: int
    by: str


@dataclass(frozen=True, kw_only=True)
class CallbackEnded(CallEvent):
    """How a call-back attempt ended: ``result`` (a ``domain/callbacks.Result`` value), and
    what said so (``source``: the PBX's ``OriginateResponse``/``DialEnd``, or ``operator``)
    with Asterisk's own code."""

    seat: str
    attempt: int
    result: str  # a ``Result`` value
    source: str = "pbx"
    code: str = ""
