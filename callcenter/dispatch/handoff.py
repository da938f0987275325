"""Qualify a call and hand it to radio dispatch: the entry point for the API and the CLI.

``HandoffService.qualify`` validates the operator's fields and submits one ``CallQualified``
event to the pipeline; with ``hand_off=True`` the event carries a ticket id, and the pipeline's
save writes the ticket and its outbox row in the same transaction as the timeline step. The
ticket id is derived from ``(call_id, request_id)``: a retried request changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter.desks import CallLookup, call_of, require
from callcenter.dispatch.qualification import Taxonomy, validate
from callcenter.domain.call import Call
from callcenter.domain.dispatch import OPEN_TICKET_STATES, Ticket
from callcenter.domain.events import CallQualified, Qualification
from callcenter.domain.lifecycle import RULES
from callcenter.errors import CallNotQualifiableError
from callcenter.pipeline.ports import EventSink

_TICKET_NS = uuid.UUID("6f1c2b1e-8c55-4d8e-9a61-19d15bd15b19")


class CachedCalls(Protocol):
    def cached(self, call_id: str) -> Call | None: ...


class PipelineCalls:
    """Calls as the pipeline last saved them: its cache first, then the store."""

    def __init__(self, processor: CachedCalls, store: CallLookup) -> None:
        self.processor = processor
        self.store = store

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        call = self.processor.cached(call_id)
        if call is not None:
            return call, set()
        return await self.store.load(call_id)


class TicketLookup(Protocol):
    async def for_call(self, call_id: str) -> list[Ticket]: ...

    async def for_incident(self, incident_id: str) -> list[Ticket]: ...


def shared_ticket(tickets: list[Ticket], call_id: str) -> Ticket | None:
    """The incident's ticket another of its calls holds: its open one, else the latest."""
    others = [t for t in tickets if t.call_id != call_id]
    open_ = [t for t in others if t.state in OPEN_TICKET_STATES]
    return open_[0] if open_ else (others[-1] if others else None)


@dataclass(frozen=True)
class Handoff:
    call_id: str
    qualification: Qualification
    amended: bool  # the call was already qualified, otherwise
    ticket_id: str | None  # the dispatch ticket (new, or the call's open one); None: no hand-off
    new_ticket: bool


def ticket_id_for(call_id: str, request_id: str) -> str:
    return "T-" + uuid.uuid5(_TICKET_NS, f"{call_id}|{request_id}").hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class HandoffService:
    def __init__(
        self,
        sink: EventSink,
        calls: CallLookup,
        tickets: TicketLookup,
        taxonomy: Taxonomy,
        *,
        region: str = "MA",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sink = sink
        self.calls = calls
        self.tickets = tickets
        self.taxonomy = taxonomy
        self.region = region
        self.now = now

    async def qualify(
        self,
        call_id: str,
        fields: Mapping[str, Any],
        *,
        by: str,
        request_id: str,
        hand_off: bool = True,
    ) -> Handoff:
        """Validate ``fields`` and qualify (or amend) the call; hand it off if asked.

        Raises ``QualificationInvalidError`` (bad fields) or ``CallNotQualifiableError``
        (unknown call, or not answered). A call with an open ticket keeps it: an amendment
        never opens a second one, and the waiting ticket takes the amended qualification.
        One incident, one ticket: a call whose incident (``domain/incidents.py``) another of
        its calls already handed off opens none; its qualification is recorded (a hand-off
        always, naming the incident's ticket: ``incident_ticket_id``), and the incident's
        ticket is returned (``new_ticket`` False).
        The qualification already recorded, sent again, is no amendment: with a hand-off that
        opens a ticket it is recorded as ``dispatch_requested``, otherwise nothing is recorded.
        """
        qualification = validate(fields, self.taxonomy, region=self.region)
        call = await require(
            call_of(self.calls, call_id),
            lambda c: CallNotQualifiableError(call_id, c.state.value if c else None),
            allowed=RULES[CallQualified].allowed,
        )

        # Tickets come with a qualification: a call never qualified has none to look up.
        open_tickets = (
            [t for t in await self.tickets.for_call(call_id) if t.state in OPEN_TICKET_STATES]
            if call.qualification is not None
            else []
        )
        shared = None
        if not open_tickets and call.incident_id is not None:
            shared = shared_ticket(await self.tickets.for_incident(call.incident_id), call_id)
        ticket_id: str | None = None
        new_ticket = False
        if open_tickets:
            ticket_id = open_tickets[0].id  # amended: the waiting ticket says it too
        elif shared is not None:
            ticket_id = shared.id  # the incident is dispatched already: no second unit
        elif hand_off:
            ticket_id = ticket_id_for(call_id, request_id)
            new_ticket = True
        unchanged = call.qualification == qualification
        if unchanged and not new_ticket and not (hand_off and shared is not None):
            # Nothing to record: the same qualification again, its ticket (if any) open.
            return Handoff(call_id, qualification, False, ticket_id, False)
        now = self.now()
        await self.sink.submit(
            CallQualified(
                call_id=call_id,
                at=now,
                received_at=now,
                source_id=f"qualify:{request_id}",
                qualification=qualification,
                by=by,
                ticket_id=None if shared is not None else ticket_id,
                incident_ticket_id=shared.id if shared is not None and hand_off else None,
            )
        )
        return Handoff(
            call_id=call_id,
            qualification=qualification,
            amended=call.qualification is not None and not unchanged,
            ticket_id=ticket_id,
            new_ticket=new_ticket,
        )
