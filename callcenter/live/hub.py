"""The live hub: publishes to the sequenced log and fans the log out to local subscribers.

It implements the pipeline's ``Notifier`` port. One pump task per process tails the log and
hands each message to every subscriber through a bounded queue each; the subscriber's filter runs
in ``stream``, once per message and in sequence order (so a filter may keep state).

``notify`` and ``notify_many`` (the pipeline's port; a batch is one write to the log) and
``announce`` (what API routes publish after an action is done) never raise: the step it
announces is already stored. If the
log cannot be written (Redis down), the message waits in a bounded in-memory queue, and so does
every later one (they must not overtake it); a background task writes them, in order, when the
log is back, so clients resuming from their last sequence get them all. Counted in
``stats.publish_failures`` (failed writes), ``stats.pending`` (waiting) and ``stats.dropped``
(the oldest, when more than ``max_pending`` wait). ``publish`` raises as the log does.

``stream(after, accept)`` is what a websocket sends: the messages after ``after`` still in the
log (the backlog), then live ones, each once and in sequence order (the subscription is taken
before the backlog is read, and anything at or below the last sequence sent is skipped). Where
a message does not follow the last one read (its ``prev`` is not that sequence), the stream
says so first: ``Trimmed`` when what came between is no longer kept (the log is capped, or the
tail read past it), ``Reset`` when the log went back (Redis restarted empty, or from an
append-only file that lost its last writes), so the client reloads its state. A
subscriber whose queue overflows is marked behind: its stream raises ``FellBehindError`` with the
last sequence it was given, so the client can reconnect from there without a gap.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callcenter.domain.effects import NotifyClients
from callcenter.live.messages import FeedLog, LiveMessage
from callcenter.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Accept = Callable[[LiveMessage], bool]
PAGE = 500
# Each subscriber's queue. The pump hands a subscriber a whole read of the log at once (up to 500
# messages from Redis, a batch of the pipeline's from memory) before its sender can run: the
# queue holds several such reads, so only a client that really stops reading falls behind.
BUFFER = 4096


class FellBehindError(Exception):
    def __init__(self, last_seq: int) -> None:
        super().__init__(f"subscriber fell behind after {last_seq}")
        self.last_seq = last_seq


@dataclass(frozen=True)
class Trimmed:
    """Control item in a stream: messages between ``after`` and ``first_available`` are gone."""

    after: int
    first_available: int


@dataclass(frozen=True)
class Reset:
    """Control item in a stream: the log went back to ``head`` (below ``requested``, the last
    sequence read): what it lost may never have been read; it goes on after ``head``."""

    requested: int
    head: int


def gap(last: int, message: LiveMessage) -> Trimmed | Reset | None:
    """What is missing between the last sequence read and ``message``, if anything."""
    if message.prev is None or message.prev == last:
        return None
    if message.prev > last:
        return Trimmed(after=last, first_available=message.seq)
    return Reset(requested=last, head=message.prev)


@dataclass(eq=False)
class _Subscriber:
    queue: asyncio.Queue[LiveMessage]
    behind: bool = False


@dataclass
class HubStats:
    published: int = 0
    delivered: int = 0
    overflows: int = 0
    subscribers: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    publish_failures: int = 0  # writes to the log that failed (each retry counts)
    pending: int = 0  # pipeline messages waiting for the log to come back
    dropped: int = 0  # pipeline messages given up (more than max_pending waited)


def message_body(
    topic: str, kind: str, call_id: str | None, seat: str | None, payload: dict[str, Any] | None
) -> dict[str, Any]:
    # Stamped when the pipeline announced it, not when a late write succeeds.
    return {
        "topic": topic,
        "kind": kind,
        "at": datetime.now(UTC).isoformat(),
        "call_id": call_id,
        "seat": seat,
        "payload": payload or {},
    }


class LiveHub:
    def __init__(
        self, feed_log: FeedLog, *, buffer: int = BUFFER, max_pending: int = 50_000
    ) -> None:
        self.log = feed_log
        self.buffer = buffer
        self.max_pending = max_pending
        self.retry_seconds = 1.0
        self.stats = HubStats()
        self._subscribers: set[_Subscriber] = set()
        self._pump: asyncio.Task[None] | None = None
        self._pending: deque[dict[str, Any]] = deque()
        self._flusher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._pump is None:
            # Read the log's end before serving anyone, so no subscriber can see a message the
            # pump would skip; if the log is down, the pump keeps trying.
            after: int | None
            try:
                after = await self.log.last_seq()
            except Exception as exc:
                log.warning("live log unavailable at start (%s); retrying in the background", exc)
                after = None
            self._pump = asyncio.create_task(self._run(after), name="live-hub-pump")

    async def stop(self) -> None:
        for task in (self._pump, self._flusher):
            if task is not None:
                await cancel_and_wait(task)
        self._pump = self._flusher = None
        if self._pending:
            log.warning("%d live updates not published at shutdown", len(self._pending))

    async def notify(self, message: NotifyClients) -> None:
        """The pipeline's Notifier port: never raises (see the module doc)."""
        await self.notify_many([message])

    async def notify_many(self, messages: Sequence[NotifyClients]) -> None:
        """Several of the pipeline's messages, in order, in one write to the log (one Redis
        round trip); never raises, as ``notify``."""
        await self._announce(
            [message_body(m.topic, m.kind, m.call_id, m.seat, m.payload) for m in messages]
        )

    async def announce(
        self,
        topic: str,
        kind: str,
        *,
        call_id: str | None = None,
        seat: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Publish what already happened (a stored step, a PBX action done): never raises; if
        the log is down the message waits, in order, for it to come back."""
        await self._announce([message_body(topic, kind, call_id, seat, payload)])

    async def _announce(self, bodies: list[dict[str, Any]]) -> None:
        if not bodies:
            return
        if not self._pending:
            try:
                await self._append_many(bodies)
                return
            except Exception as exc:
                log.warning("live log unavailable (%s): live updates wait until it is back", exc)
        for body in bodies:
            if len(self._pending) >= self.max_pending:
                self._pending.popleft()
                self.stats.dropped += 1
            self._pending.append(body)
        self.stats.pending = len(self._pending)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="live-hub-flush")

    async def _flush(self) -> None:
        """Write the waiting messages in order, retrying while the log is down."""
        while self._pending:
            try:
                await self._append(self._pending[0])
            except Exception:
                await asyncio.sleep(self.retry_seconds)
                continue
            self._pending.popleft()
            self.stats.pending = len(self._pending)
        log.info("live log back: waiting live updates published")

    async def publish(
        self,
        topic: str,
        kind: str,
        *,
        call_id: str | None = None,
        seat: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int:
        return await self._append(message_body(topic, kind, call_id, seat, payload))

    async def _append(self, body: dict[str, Any]) -> int:
        return await self._append_many([body])

    async def _append_many(self, bodies: list[dict[str, Any]]) -> int:
        try:
            seq = await (
                self.log.append(bodies[0]) if len(bodies) == 1 else self.log.append_many(bodies)
            )
        except Exception:
            self.stats.publish_failures += 1
            raise
        self.stats.published += len(bodies)
        for body in bodies:
            topic = str(body["topic"])
            self.stats.by_topic[topic] = self.stats.by_topic.get(topic, 0) + 1
        return seq

    async def stream(
        self, after: int | None, accept: Accept
    ) -> AsyncIterator[LiveMessage | Trimmed | Reset]:
        """Backlog after ``after`` (None: start now), then live messages; see module doc."""
        subscriber = _Subscriber(queue=asyncio.Queue(self.buffer))
        self._subscribers.add(subscriber)
        self.stats.subscribers = len(self._subscribers)
        try:
            last = await self.log.last_seq() if after is None else after
            if after is not None:
                while True:
                    backlog = await self.log.read_after(last, PAGE)
                    for message in backlog.entries:
                        if (missing := gap(last, message)) is not None:
                            yield missing
                        last = message.seq
                        if accept(message):
                            yield message
                    if len(backlog.entries) < PAGE:
                        break
            while True:
                if subscriber.behind:
                    raise FellBehindError(last)
                message = await subscriber.queue.get()
                if message.seq <= last:
                    continue
                if (missing := gap(last, message)) is not None:
                    yield missing
                last = message.seq
                if accept(message):
                    yield message
        finally:
            self._subscribers.discard(subscriber)
            self.stats.subscribers = len(self._subscribers)

    async def _run(self, after: int | None) -> None:
        """Tail the log; a failing log (Redis down) is retried every second."""
        while True:
            try:
                if after is None:
                    after = await self.log.last_seq()
                async for message in self.log.tail(after):
                    after = message.seq
                    self._deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live log tail failed after %s; retrying", after)
                await asyncio.sleep(1.0)

    def _deliver(self, message: LiveMessage) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.behind:
                continue
            try:
                subscriber.queue.put_nowait(message)
                self.stats.delivered += 1
            except asyncio.QueueFull:
                subscriber.behind = True
                self.stats.overflows += 1
