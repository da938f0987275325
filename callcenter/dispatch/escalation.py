"""Escalation: tickets nobody acknowledged in time get a timeline step and a supervisor alert.

The step (``dispatch_escalated``) and the alert (a ``NotifyClients`` with topic ``alert``) come
from the lifecycle when the pipeline applies ``DispatchEscalated``; a ticket is escalated once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from callcenter.dispatch.feed import Announce
from callcenter.domain.events import DispatchEscalated
from callcenter.pipeline.ports import EventSink
from callcenter.storage.tickets import TicketStore

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Escalator:
    def __init__(
        self,
        tickets: TicketStore,
        sink: EventSink,
        *,
        after_seconds: float,
        now: Callable[[], datetime] = utcnow,
        announce: Announce | None = None,
    ) -> None:
        """``announce``: told the id of each ticket escalated (the live feed)."""
        self.tickets = tickets
        self.announce = announce
        self.sink = sink
        self.after = timedelta(seconds=after_seconds)
        self.now = now
        self.escalated = 0

    async def check(self) -> list[str]:
        """Escalate every overdue ticket; returns their ids."""
        now = self.now()
        done: list[str] = []
        for ticket in await self.tickets.due_for_escalation(now - self.after):
            if not await self.tickets.mark_escalated(ticket.id, now):
                continue  # acknowledged in the meantime
            waited = int((now - ticket.created_at).total_seconds())
            await self.sink.submit(
                DispatchEscalated(
                    call_id=ticket.call_id,
                    at=now,
                    received_at=now,
                    source_id=f"dispatch-escalated:{ticket.id}",
                    ticket_id=ticket.id,
                    waited_seconds=waited,
                )
            )
            log.warning("dispatch ticket %s escalated after %d s", ticket.id, waited)
            if self.announce is not None:
                await self.announce(ticket.id)
            done.append(ticket.id)
        self.escalated += len(done)
        return done

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check()
            except Exception:  # a database hiccup must not end escalation for good
                log.exception("escalation check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
