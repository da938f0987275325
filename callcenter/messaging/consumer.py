"""A radio dispatch console on the Redis stream: the ``DispatchDesk`` of Redis mode.

Each console is a consumer of one group (XREADGROUP). It shows each ticket once: a ticket seen
again (published again after Redis lost its data, or claimed back) joins the entry already on
view, and a ticket the database says is acknowledged is XACKed and never shown. Entries left
pending by a console that died are claimed after ``claim_idle_ms`` (XAUTOCLAIM, looked for every
half of that, at most every second, rather than before every read). A group that
vanished (Redis restarted empty) is created again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from callcenter.dispatch.desk import TicketAcknowledger
from callcenter.domain.dispatch import Ticket, TicketState
from callcenter.messaging.stream import decode_ticket
from callcenter.storage.tickets import TicketStore

log = logging.getLogger(__name__)


@dataclass
class ConsoleStats:
    delivered: int = 0  # tickets put on view
    duplicates: int = 0  # entries for a ticket already on view, or already acknowledged
    claimed: int = 0  # entries taken over from a silent console
    rejected: int = 0  # entries that are not tickets (acknowledged and counted)
    errors: int = 0  # Redis failures (the console retries)


@dataclass
class _OnView:
    ticket: Ticket
    entry_ids: list[str] = field(default_factory=list)


class StreamDispatchDesk:
    def __init__(
        self,
        redis: Redis,
        stream: str,
        *,
        group: str,
        consumer: str,
        tickets: TicketStore,
        acknowledger: TicketAcknowledger,
        claim_idle_ms: int = 30_000,
        timeout: float = 2.0,
        batch: int = 100,
        shared: bool = False,
    ) -> None:
        """``shared``: several processes read as this one consumer (the API processes of a
        scaled-out room). Each poll then re-reads the consumer's whole pending list, so a ticket
        delivered to any of them is on every one's view until it is acknowledged."""
        self.redis = redis
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.tickets = tickets
        self.acknowledger = acknowledger
        self.claim_idle_ms = claim_idle_ms
        self.timeout = timeout
        self.batch = batch
        self.shared = shared
        self.stats = ConsoleStats()
        self._view: dict[str, _OnView] = {}
        self._group_ready = False
        self._own_pending_read = False
        # Entries idle for claim_idle_ms are looked for at most every half of it (1 s at most),
        # not before every read: one Redis round trip less per poll.
        self._claim_every = min(1.0, claim_idle_ms / 2000)
        self._claimed_at: float | None = None

    # --- DispatchDesk -------------------------------------------------------------------

    async def pending(self) -> list[Ticket]:
        """The tickets on this console's view, most urgent first (reads the stream first)."""
        try:
            await self.poll()
        except (RedisError, TimeoutError, OSError) as exc:
            log.warning("dispatch stream unreachable, showing the last view: %s", exc)
        await self._refresh()
        return sorted((v.ticket for v in self._view.values()), key=lambda t: t.sort_key)

    async def acknowledge(self, ticket_id: str, unit: str, by: str) -> Ticket:
        """Record the unit and the timeline steps, then XACK the ticket's entries."""
        ticket = await self.acknowledger.acknowledge(ticket_id, unit, by)
        on_view = self._view.pop(ticket_id, None)
        if on_view is not None:
            await self._xack(on_view.entry_ids)
        return ticket

    # --- the stream ---------------------------------------------------------------------

    async def poll(self, block_ms: int | None = None) -> list[Ticket]:
        """Read new and claimable entries; returns the tickets newly put on view.

        Raises ``RedisError``/``TimeoutError`` when Redis is unreachable.
        """
        try:
            return await self._poll(block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            log.warning("consumer group %s vanished (Redis restarted?): creating it", self.group)
            self._group_ready = False
            return await self._poll(block_ms)
        except (RedisError, TimeoutError, OSError):
            self.stats.errors += 1
            self._group_ready = False
            raise

    async def _poll(self, block_ms: int | None) -> list[Ticket]:
        await self._ensure_group()
        entries: list[tuple[str, dict[str, str]]] = []
        if self.shared or not self._own_pending_read:  # a restarted console gets back its own
            entries += await self._read_pending()
            self._own_pending_read = True
        clock = time.monotonic()
        if self._claimed_at is None or clock - self._claimed_at >= self._claim_every:
            claimed = await self._claim()
            self._claimed_at = clock
            self.stats.claimed += len(claimed)
            entries += claimed
        wait = None if entries else block_ms
        entries += await self._read(">", wait)
        return await self._take(entries)

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True
        self._own_pending_read = False

    async def _read(self, from_id: str, block_ms: int | None) -> list[tuple[str, dict[str, str]]]:
        extra = (block_ms or 0) / 1000
        async with asyncio.timeout(self.timeout + extra):
            reply = await self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: from_id}, count=self.batch, block=block_ms
            )
        out: list[tuple[str, dict[str, str]]] = []
        gone: list[str] = []
        for _stream, messages in _stream_messages(reply):
            for entry_id, data in messages:
                if data is None:  # trimmed from the stream while we held it
                    gone.append(entry_id)
                else:
                    out.append((entry_id, data))
        await self._xack(gone)
        return out

    async def _read_pending(self) -> list[tuple[str, dict[str, str]]]:
        """This consumer's pending entries (delivered, not acknowledged), page by page."""
        entries: list[tuple[str, dict[str, str]]] = []
        after = "0"
        while True:
            page = await self._read(after, None)
            entries += page
            if len(page) < self.batch:
                return entries
            after = page[-1][0]

    async def _claim(self) -> list[tuple[str, dict[str, str]]]:
        async with asyncio.timeout(self.timeout):
            reply = await self.redis.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=self.claim_idle_ms,
                start_id="0-0",
                count=self.batch,
            )
        messages = reply[1] if len(reply) > 1 else []
        return [(entry_id, data) for entry_id, data in messages if data is not None]

    async def _take(self, entries: Sequence[tuple[str, dict[str, str]]]) -> list[Ticket]:
        fresh: list[Ticket] = []
        parsed: list[tuple[str, Ticket]] = []
        junk: list[str] = []
        for entry_id, data in entries:
            try:
                parsed.append((entry_id, decode_ticket(data.get("payload", ""))))
            except ValueError as exc:
                log.warning("dispatch stream entry %s refused: %s", entry_id, exc)
                self.stats.rejected += 1
                junk.append(entry_id)
        states = await self.tickets.states([t.id for _, t in parsed])
        for entry_id, ticket in parsed:
            on_view = self._view.get(ticket.id)
            if on_view is not None:
                if entry_id not in on_view.entry_ids:
                    on_view.entry_ids.append(entry_id)
                    self.stats.duplicates += 1
                continue
            if states.get(ticket.id) is TicketState.ACKNOWLEDGED:
                self.stats.duplicates += 1
                junk.append(entry_id)
                continue
            self._view[ticket.id] = _OnView(ticket, [entry_id])
            self.stats.delivered += 1
            fresh.append(ticket)
        await self._xack(junk)
        return fresh

    async def _refresh(self) -> None:
        """The view as the database has it: amended qualifications and escalations show, and
        tickets another console (or the API) acknowledged leave."""
        current = await self.tickets.many(list(self._view))
        for ticket_id, ticket in current.items():
            if ticket.state is TicketState.ACKNOWLEDGED:
                await self._xack(self._view.pop(ticket_id).entry_ids)
            else:
                self._view[ticket_id].ticket = ticket

    async def _xack(self, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self.redis.xack(self.stream, self.group, *entry_ids)
        except (RedisError, TimeoutError, OSError) as exc:
            # The acknowledgement is in the database; a redelivered entry is dropped on sight.
            self.stats.errors += 1
            log.warning("XACK of %s failed: %s", list(entry_ids), exc)


def _stream_messages(reply: object) -> list[tuple[str, list[tuple[str, dict[str, str] | None]]]]:
    """XREADGROUP's reply as ``[(stream, [(id, fields)])]`` (RESP2 list or RESP3 dict)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return [(k, v[0] if v and isinstance(v[0], list) else v) for k, v in reply.items()]
    return [(s, m) for s, m in reply]  # type: ignore[attr-defined]
