"""The operators' side of incidents: which open incidents a call probably reports, and attaching
a call to one (``callcenter.domain.incidents`` decides; this reads the store and submits events).

``suggestions`` ranks the open incidents for what the operator typed so far (the draft, which
wins over the call's recorded qualification), best first with the reasons. ``attach`` checks
the call may join the incident, then submits, in this order on the pipeline's sink,
``CallAttached`` on the call and ``IncidentReportAdded`` on the call holding the incident's
ticket (or, none yet, on the call that opened it): both timelines show the attachment, the
dispatchers' console the callers' count, and no second ticket is opened (``HandoffService``
hands an attached call off on its incident's ticket). Raises ``CallNotAttachableError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from callcenter.desks import CallLookup, call_of, require
from callcenter.domain.call import Call
from callcenter.domain.dispatch import OPEN_TICKET_STATES, Ticket
from callcenter.domain.events import CallAttached, IncidentReportAdded, Qualification
from callcenter.domain.incidents import (
    Incident,
    Report,
    Rules,
    Suggestion,
    incident_id_for,
    suggest,
)
from callcenter.domain.lifecycle import RULES
from callcenter.errors import CallNotAttachableError
from callcenter.pipeline.ports import EventSink


class IncidentLookup(Protocol):
    async def open_incidents(self, since: datetime) -> list[Incident]: ...


class IncidentTickets(Protocol):
    async def for_call(self, call_id: str) -> list[Ticket]: ...

    async def for_incident(self, incident_id: str) -> list[Ticket]: ...


@dataclass(frozen=True, kw_only=True)
class Draft:
    """What the operator typed so far (any field may be missing)."""

    incident_type: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Attachment:
    call_id: str
    incident_id: str
    ticket_id: str | None  # the incident's ticket, when it has one (no second unit is sent)
    callers: int  # calls reporting the incident now


def utcnow() -> datetime:
    return datetime.now(UTC)


def report_of(call: Call, draft: Draft | None = None, at: datetime | None = None) -> Report:
    """The call's report: the draft's fields over the recorded qualification's."""
    q = call.qualification
    d = draft or Draft()
    return Report(
        call_id=call.id,
        at=at or call.rang_at or utcnow(),
        caller_e164=call.caller_e164,
        incident_type=d.incident_type or (q.incident_type if q else None),
        address=d.address if d.address is not None else (q.address if q else ""),
        latitude=d.latitude if d.latitude is not None else (q.latitude if q else None),
        longitude=d.longitude if d.longitude is not None else (q.longitude if q else None),
    )


class IncidentDesk:
    def __init__(
        self,
        sink: EventSink,
        calls: CallLookup,
        incidents: IncidentLookup,
        tickets: IncidentTickets,
        *,
        rules: Rules | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sink = sink
        self.calls = calls
        self.incidents = incidents
        self.tickets = tickets
        self.rules = rules or Rules()
        self.now = now

    async def _call(self, call_id: str, incident_id: str = "") -> Call:
        return await require(
            call_of(self.calls, call_id),
            lambda _: CallNotAttachableError(call_id, incident_id or "?", "unknown call"),
        )

    async def open_incidents(self) -> list[Incident]:
        return await self.incidents.open_incidents(self.now() - self.rules.window)

    async def suggestions(self, call_id: str, draft: Draft | None = None) -> list[Suggestion]:
        """The open incidents the call probably reports, best first (never its own)."""
        call = await self._call(call_id)
        return self.rank(call, await self.open_incidents(), draft)

    def rank(
        self, call: Call, incidents: Sequence[Incident], draft: Draft | None = None
    ) -> list[Suggestion]:
        own = call.incident_id or incident_id_for(call.id)
        return suggest(report_of(call, draft), incidents, self.now(), self.rules, exclude=own)

    async def attach(
        self,
        call_id: str,
        incident_id: str,
        *,
        by: str,
        request_id: str,
        reasons: Sequence[str] = (),
        report: Qualification | None = None,
    ) -> Attachment:
        """Attach the call to the incident (see the module's doc). ``report``: the call's
        qualification as the operator just gave it (else the recorded one)."""
        call = await self._call(call_id, incident_id)
        if incident_id == call.incident_id:
            return Attachment(call_id, incident_id, None, 0)  # already there: nothing to do
        own = incident_id_for(call_id)
        if incident_id == own:
            raise CallNotAttachableError(call_id, incident_id, "the call's own incident")
        if not RULES[CallAttached].allowed(call):
            why = "attached elsewhere" if call.incident_id not in (None, own) else call.state.value
            raise CallNotAttachableError(call_id, incident_id, f"not attachable ({why})")
        if await self.tickets.for_call(call_id):
            raise CallNotAttachableError(call_id, incident_id, "handed off on its own ticket")
        incidents = {i.id: i for i in await self.open_incidents()}
        incident = incidents.get(incident_id)
        if incident is None:
            raise CallNotAttachableError(call_id, incident_id, "no such open incident")
        mine = incidents.get(own)
        if mine is not None and mine.callers > 1:
            raise CallNotAttachableError(call_id, incident_id, "other calls report its incident")

        tickets = await self.tickets.for_incident(incident_id)
        open_ = [t for t in tickets if t.state in OPEN_TICKET_STATES]
        ticket = open_[0] if open_ else (tickets[-1] if tickets else None)
        callers = incident.callers + 1
        holder = ticket.call_id if ticket else incident.opener.call_id
        now = self.now()
        await self.sink.submit(
            CallAttached(
                call_id=call_id,
                at=now,
                received_at=now,
                source_id=f"attach:{request_id}",
                incident_id=incident_id,
                by=by,
                ticket_id=ticket.id if ticket else None,
                reasons=tuple(reasons),
            )
        )
        await self.sink.submit(
            IncidentReportAdded(
                call_id=holder,
                at=now,
                received_at=now,
                source_id=f"attach:{request_id}:{call_id}",
                incident_id=incident_id,
                reporter_call_id=call_id,
                by=by,
                callers=callers,
                caller_e164=call.caller_e164,
                ticket_id=ticket.id if ticket else None,
                qualification=report or call.qualification,
            )
        )
        return Attachment(call_id, incident_id, ticket.id if ticket else None, callers)
