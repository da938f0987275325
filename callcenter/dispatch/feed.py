"""Ticket changes on the live feeds: topic ``dispatch``, kinds ``ticket_created``,
``ticket_updated`` (the operator amended the qualification of a waiting ticket),
``ticket_escalated`` and ``ticket_acknowledged``, payload the ticket as dispatchers see it
(``TicketBoard``), ``seat`` the seat that had the call (the operator feed follows it).

Who announces what, so that each change is published once on the live log (which every API
process tails, ``callcenter.live``): the outbox relay a ticket it published, or published
again after an amendment (the room's process only); the escalation check a ticket it
escalated (the same); whichever process took an acknowledgement (``TicketAcknowledger``: the
room, an API-only process, a console with Redis); and, without Redis, the room for
acknowledgements a console took in another process (found by ``AckRecorder.record_pending``).
A ticket the relay publishes again after Redis lost the dispatch stream is announced as
created again; clients key tickets by id.

Announcing goes through the live hub's ``notify`` (the pipeline's ``Notifier`` port), after the
change is committed: while the live log is unreachable the events wait in the hub's queue, in
order with the calls' own updates, and go out when it is back. A failure here (the ticket could
not be read) is logged and counted, never raised into the relay or the acknowledgement.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from callcenter.dispatch.board import TicketBoard
from callcenter.domain.effects import NotifyClients
from callcenter.pipeline.ports import Notifier

log = logging.getLogger(__name__)

Announce = Callable[[str], Awaitable[None]]  # takes a ticket id

CREATED = "ticket_created"
UPDATED = "ticket_updated"
ESCALATED = "ticket_escalated"
ACKNOWLEDGED = "ticket_acknowledged"


class TicketFeed:
    def __init__(self, live: Notifier, board: TicketBoard) -> None:
        self.live = live
        self.board = board
        self.published = 0
        self.failures = 0

    async def announce(self, kind: str, ticket_id: str) -> None:
        """Publish the ticket as it now stands; never raises (see module doc)."""
        try:
            ticket = await self.board.tickets.get(ticket_id)
            if ticket is None:
                log.warning("dispatch feed: ticket %s not found, %s not announced", ticket_id, kind)
                return
            view = await self.board.view(ticket)
            await self.live.notify(
                NotifyClients(
                    topic="dispatch",
                    kind=kind,
                    call_id=ticket.call_id,
                    seat=view.seat,
                    payload=view.to_wire(),
                )
            )
            self.published += 1
        except Exception:
            self.failures += 1
            log.exception("dispatch feed: %s of %s not announced", kind, ticket_id)

    async def created(self, ticket_id: str) -> None:
        await self.announce(CREATED, ticket_id)

    async def relayed(self, ticket_id: str, first: bool) -> None:
        """The relay published the ticket: for the first time, or again after an amendment."""
        await self.announce(CREATED if first else UPDATED, ticket_id)

    async def escalated(self, ticket_id: str) -> None:
        await self.announce(ESCALATED, ticket_id)

    async def acknowledged(self, ticket_id: str) -> None:
        await self.announce(ACKNOWLEDGED, ticket_id)
