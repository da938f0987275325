"""The dispatchers' desk: acknowledging a ticket with a unit, and the embedded (no Redis) desk.

``TicketAcknowledger.acknowledge`` records the unit on the ticket (unit marked busy). In the
room's process (it owns the pipeline: one writer per call) it then puts ``dispatch_sent``
(idempotent: the relay usually did it already) and ``handed_off`` on the call's timeline. A
console in another process (the CLI) records only the ticket; the room's ``AckRecorder`` puts
the steps on the timeline. Repeating either after a crash repeats nothing.

Live announcements (``callcenter.dispatch.feed``): the acknowledger announces a ticket it took
(not a repeated acknowledgement); without Redis the room's recorder announces the tickets a
console in another process took, which no live log of theirs could carry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from callcenter.dispatch.feed import Announce
from callcenter.domain.dispatch import Ticket, sent_event
from callcenter.domain.events import DispatchAcknowledged
from callcenter.pipeline.ports import EventSink
from callcenter.storage.tickets import TicketStore

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class AckRecorder:
    """Puts acknowledged tickets on their call's timeline, through the room's pipeline."""

    def __init__(
        self,
        tickets: TicketStore,
        sink: EventSink,
        *,
        now: Callable[[], datetime] = utcnow,
        announce_outside: Announce | None = None,
    ) -> None:
        """``announce_outside``: announce the acknowledgements ``record_pending`` finds (set
        without Redis only: with Redis whoever took a ticket announced it)."""
        self.tickets = tickets
        self.sink = sink
        self.now = now
        self.announce_outside = announce_outside
        self.taking: set[str] = set()  # tickets this process is acknowledging right now

    async def record(self, ticket: Ticket) -> None:
        now = self.now()
        acked_at = ticket.acknowledged_at or now
        # A dispatcher holds the ticket, so it was sent, even if the relay has not said so yet.
        await self.sink.submit(sent_event(ticket, ticket.sent_at or acked_at, now))
        await self.sink.submit(
            DispatchAcknowledged(
                call_id=ticket.call_id,
                at=acked_at,
                received_at=now,
                source_id=f"dispatch-ack:{ticket.id}",
                ticket_id=ticket.id,
                unit=ticket.unit or "",
                by=ticket.acknowledged_by or "",
            )
        )
        await self.tickets.mark_recorded(ticket.id, now)

    async def record_pending(self) -> int:
        """Record acknowledgements made elsewhere (or interrupted by a crash)."""
        tickets = await self.tickets.unrecorded()
        for ticket in tickets:
            outside = ticket.id not in self.taking
            await self.record(ticket)
            if outside and self.announce_outside is not None:
                await self.announce_outside(ticket.id)
        if tickets:
            log.info("recorded %d acknowledgements made outside this process", len(tickets))
        return len(tickets)


class TicketAcknowledger:
    def __init__(
        self,
        tickets: TicketStore,
        recorder: AckRecorder | None,
        *,
        now: Callable[[], datetime] = utcnow,
        announce: Announce | None = None,
    ) -> None:
        """``recorder``: None for a console outside the room's process (ticket only).
        ``announce``: told the id of each ticket this acknowledger took (the live feed)."""
        self.tickets = tickets
        self.recorder = recorder
        self.now = now
        self.announce = announce

    async def acknowledge(self, ticket_id: str, unit: str, by: str) -> Ticket:
        """Raises ``TicketNotFoundError``, ``TicketAlreadyAcknowledgedError`` (another unit),
        ``UnitNotFoundError`` or ``UnitNotAvailableError``."""
        taking = self.recorder.taking if self.recorder is not None else set()
        taking.add(ticket_id)  # the recorder's own pass must not announce it as taken elsewhere
        try:
            ticket, taken = await self.tickets.take(ticket_id, unit, by, self.now())
            if self.recorder is not None:
                await self.recorder.record(ticket)
        finally:
            taking.discard(ticket_id)
        if taken and self.announce is not None:
            await self.announce(ticket.id)
        return ticket


class EmbeddedDispatchDesk:
    """``DispatchDesk`` without Redis: the queue is the ticket table (open tickets)."""

    def __init__(self, tickets: TicketStore, acknowledger: TicketAcknowledger) -> None:
        self.tickets = tickets
        self.acknowledger = acknowledger

    async def pending(self) -> list[Ticket]:
        return await self.tickets.open_tickets()

    async def acknowledge(self, ticket_id: str, unit: str, by: str) -> Ticket:
        return await self.acknowledger.acknowledge(ticket_id, unit, by)
