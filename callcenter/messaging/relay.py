"""The outbox relay: publishes dispatch tickets written by the pipeline, then marks them sent.

Tickets committed in this process are handed over by the store right after the commit and go
out at once, without reading the table back; the outbox table is polled as well, every ``poll``
seconds (rows from other processes, rows whose publishing failed, rows left by a crash), not on
every wake-up: a hand-off's path is its commit, the XADD and nothing else.
Order per ticket: publish (idempotent by ticket id), submit ``DispatchSent`` to the pipeline
(idempotent by its source id), mark the outbox row sent. A crash or a Redis failure anywhere in
between leaves the row unsent, and the next pass repeats the three steps without duplicating
any. While Redis is down rows simply wait; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from redis.exceptions import RedisError

from callcenter.domain.dispatch import Ticket, sent_event
from callcenter.domain.effects import RequestDispatch
from callcenter.pipeline.ports import EventSink
from callcenter.storage.outbox import Outbox, ticket_of_request

log = logging.getLogger(__name__)


class Publisher(Protocol):
    async def publish(self, ticket: Ticket) -> str | None: ...

    async def lost_contents(self) -> bool: ...


class TablePublisher:
    """Embedded mode: the ticket table is the queue, so publishing is recording it sent."""

    async def publish(self, ticket: Ticket) -> str | None:
        return None

    async def lost_contents(self) -> bool:
        return False


@dataclass
class RelayStats:
    published: int = 0
    failures: int = 0  # passes that ended on an error (the rows wait for the next one)
    requeued: int = 0


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        publisher: Publisher,
        sink: EventSink,
        *,
        batch: int = 100,
        epoch_check_seconds: float = 1.0,
        now: Callable[[], datetime] = utcnow,
        announce: Callable[[str, bool], Awaitable[None]] | None = None,
    ) -> None:
        """``announce``: told the id of each ticket published, and whether it went out for the
        first time (False: its qualification was amended while it waited; the live feed)."""
        self.outbox = outbox
        self.announce = announce
        self.publisher = publisher
        self.sink = sink
        self.batch = batch
        self.epoch_check_seconds = epoch_check_seconds
        self.now = now
        self.stats = RelayStats()
        self._wake = asyncio.Event()
        # Tickets just committed in this process: published without reading them back.
        self._hints: deque[Ticket] = deque(maxlen=10_000)
        self._epoch_checked_at: float | None = None  # None: check before the next publish
        self._polled_at: float | None = None  # when the table was last read (None: never)
        self._read_table = False  # woken without tickets: read the table on the next pass

    def wake(self, requests: Sequence[RequestDispatch] = ()) -> None:
        """Tickets were committed to the outbox: publish now rather than at the next poll.

        Registered with ``TimelineStore.on_dispatch``; it runs only after the commit. Without
        ``requests`` the next pass reads the table at once.
        """
        if not requests:
            self._read_table = True
        self._hints.extend(ticket_of_request(r) for r in requests)
        self._wake.set()

    async def drain(self, *, table: bool = True) -> int:
        """Publish the committed tickets, then (``table``) every unsent row; returns how many
        went out.

        Raises ``RedisError``/``TimeoutError`` when the stream is unreachable (rows stay unsent).
        """
        try:
            await self._check_epoch()
            sent = 0
            while self._hints:
                await self._send(self._hints[0])
                self._hints.popleft()
                sent += 1
            if table:
                self._read_table = False
                while rows := await self.outbox.unsent(self.batch):
                    for row in rows:
                        await self._send(row.ticket)
                        sent += 1
                self._polled_at = time.monotonic()
            return sent
        except (RedisError, TimeoutError, OSError):
            self._epoch_checked_at = None  # Redis may come back empty: look before publishing
            raise

    async def _check_epoch(self) -> None:
        clock = time.monotonic()
        if (
            self._epoch_checked_at is not None
            and clock - self._epoch_checked_at < self.epoch_check_seconds
        ):
            return
        if await self.publisher.lost_contents():
            requeued = await self.outbox.requeue_open()
            self.stats.requeued += requeued
            if requeued:
                log.warning("dispatch stream lost its contents: %d open tickets requeued", requeued)
        self._epoch_checked_at = clock

    async def _send(self, ticket: Ticket) -> None:
        try:
            entry_id = await self.publisher.publish(ticket)
        except (RedisError, TimeoutError, OSError) as exc:
            await self.outbox.mark_failed(ticket.id, f"{type(exc).__name__}: {exc}")
            raise
        at = self.now()
        await self.sink.submit(sent_event(ticket, at, at))
        first = await self.outbox.mark_sent(ticket.id, entry_id, at)
        self.stats.published += 1
        if self.announce is not None:
            await self.announce(ticket.id, first)

    async def run(self, stop: asyncio.Event, *, poll: float = 1.0, retry: float = 1.0) -> None:
        """Drain on every wake-up, reading the table every ``poll`` seconds, until ``stop``."""
        while not stop.is_set():
            self._wake.clear()  # a commit during the pass sets it again: no wake-up is lost
            due = self._polled_at is None or time.monotonic() - self._polled_at >= poll
            try:
                await self.drain(table=due or self._read_table)
            except (RedisError, TimeoutError, OSError) as exc:
                self.stats.failures += 1
                log.warning("dispatch stream unreachable, tickets wait in the outbox: %s", exc)
                await _wait_any([stop], retry)  # commits must not hammer a Redis that is down
                continue
            except Exception:  # a database hiccup must not end the relay
                self.stats.failures += 1
                log.exception("outbox relay pass failed")
                await _wait_any([stop], retry)
                continue
            await _wait_any([self._wake, stop], poll)


async def _wait_any(events: list[asyncio.Event], seconds: float) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
