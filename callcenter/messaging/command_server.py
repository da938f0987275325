"""The bridge's side of the command channel: performs what API-only processes ask, once.

Reads ``<prefix>:commands`` as consumer group ``bridges`` (see ``callcenter.messaging.commands``
for the wire format) and runs each command as its own task, so a slow PBX action does not hold
up the others. Promises:

- a command past its deadline is acknowledged and dropped, never performed late (nobody is
  waiting for it: an "answer" performed a minute later would be worse than none); and one
  whose caller already gave up (its claim says ``gone``: see ``callcenter.messaging.commands``)
  is dropped too, whatever this machine's clock says about the deadline;
- a command id is performed at most once while its marker lives (``done_ttl``): a retry of a
  command that succeeded gets the stored reply; one that failed may be tried again;
- entries a previous bridge left unacknowledged are claimed at start (then dropped if late);
- an entry Redis delivered to a read whose answer never arrived (the bridge stood still past
  its socket timeout, and the client read again on a new connection) stays in this consumer's
  pending list: the bridge re-reads that list whenever a read brings nothing new, and at least
  every ``sweep_every`` seconds, so such a command is performed while its caller still waits;
- the heartbeat key says the bridge is alive and whether AMI is logged in; it is refreshed
  every ``heartbeat_every`` seconds with a TTL of ``heartbeat_ttl`` and deleted on exit.

Redis failures are logged and retried; they never end the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from callcenter.errors import CallcenterError
from callcenter.messaging.commands import (
    CLAIM_TTL_MS,
    GROUP,
    TAKEN,
    BridgeKeys,
    Command,
    error_reply,
    ok_reply,
)
from callcenter.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
PENDING = "pending"
RECENT = 10_000  # entry ids this bridge took, remembered to tell a lost entry from a done one

# One round trip to start a command: take this sending's claim unless its caller gave it up
# (KEYS[1]), then the id's idempotency marker (KEYS[2]). Returns {"gone"}, {"new"}, or
# {"dup", <the marker: "pending" or the stored reply>}.
START = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'gone'} end
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', ARGV[4]) then return {'new'} end
return {'dup', redis.call('GET', KEYS[2])}
"""


@dataclass
class ServerStats:
    performed: int = 0
    refused: int = 0  # performed, and the answer was an error
    duplicates: int = 0
    expired: int = 0
    abandoned: int = 0  # dropped: the caller had given up before the bridge took it
    recovered: int = 0  # found in the pending list, delivered to a read never received
    malformed: int = 0
    redis_errors: int = 0
    other_bridges: int = 0  # heartbeats found written by another bridge


class CommandServer:
    def __init__(
        self,
        redis: Redis,
        keys: BridgeKeys,
        handlers: Mapping[str, Handler],
        *,
        name: str,
        ami_connected: Callable[[], bool],
        heartbeat_every: float = 1.0,
        heartbeat_ttl: float = 5.0,
        done_ttl: int = 600,
        reply_ttl: int = 60,
        block_ms: int = 1000,
        sweep_every: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.handlers = dict(handlers)
        self.name = name
        self.ami_connected = ami_connected
        self.heartbeat_every = heartbeat_every
        self.heartbeat_ttl = heartbeat_ttl
        self.done_ttl = done_ttl
        self.reply_ttl = reply_ttl
        self.block_ms = block_ms
        self.sweep_every = sweep_every
        self.clock = clock
        self.stats = ServerStats()
        self._running: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()  # entry ids being served (not acknowledged yet)
        self._taken: dict[str, None] = {}  # the last RECENT entry ids taken, oldest first
        self._next_sweep = 0.0
        self._start = redis.register_script(START)
        self._listening = asyncio.Event()  # the group exists: commands sent now are read

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop``; then finish the commands already started."""
        beat = asyncio.create_task(self._heartbeat(stop), name="bridge-heartbeat")
        try:
            await self._read(stop)
        finally:
            # No heartbeat first, so callers stop sending; then finish what was started.
            await cancel_and_wait(beat)  # it may be blocked in a Redis read (callcenter/tasks.py)
            with contextlib.suppress(RedisError, OSError):
                await self.redis.delete(self.keys.heartbeat)
            if self._running:
                await asyncio.wait(set(self._running), timeout=15)

    async def _read(self, stop: asyncio.Event) -> None:
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    await self._ensure_group()
                    await self._take(await self._claim_left_over(), recovering=True)
                    ready = True
                    self._listening.set()
                reply = await self.redis.xreadgroup(
                    GROUP, self.name, {self.keys.commands: ">"}, count=50, block=self.block_ms
                )
                entries = _entries(reply)
                await self._take(entries)
                if not entries or time.monotonic() >= self._next_sweep:
                    await self._sweep()
            except (RedisError, OSError) as exc:
                ready = False
                if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                    log.warning("command group vanished (Redis restarted empty?): creating it")
                    continue
                self.stats.redis_errors += 1
                log.warning("command stream unavailable (%s); retrying", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _ensure_group(self) -> None:
        # From the stream's start: a new group (Redis restarted empty) must not miss a command
        # sent meanwhile; anything older is past its deadline and dropped unperformed.
        try:
            await self.redis.xgroup_create(self.keys.commands, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _claim_left_over(self) -> list[tuple[str, dict[str, str] | None]]:
        """Entries delivered to a bridge that stopped before acknowledging them."""
        reply = await self.redis.xautoclaim(
            self.keys.commands, GROUP, self.name, min_idle_time=0, start_id="0-0", count=1000
        )
        if isinstance(reply, list | tuple) and len(reply) > 1:
            return list(reply[1])
        return []

    async def _sweep(self) -> None:
        """This consumer's pending entries that are not being served: delivered to a read whose
        answer was lost (see the module doc), or whose acknowledgement failed."""
        self._next_sweep = time.monotonic() + self.sweep_every
        reply = await self.redis.xreadgroup(GROUP, self.name, {self.keys.commands: "0"}, count=1000)
        await self._take(_entries(reply), recovering=True)

    async def _take(
        self, entries: list[tuple[str, dict[str, str] | None]], *, recovering: bool = False
    ) -> None:
        """Serve new entries; ``recovering`` (pending entries read again): skip those being
        served, acknowledge those already served (their acknowledgement failed or crossed
        this read), serve the others: never received, or left by a previous bridge."""
        for entry_id, fields in entries:
            if entry_id in self._in_flight:
                continue
            if fields is None or (recovering and entry_id in self._taken):
                await self._ack(entry_id)  # trimmed away while pending, or done already
                continue
            if recovering:
                self.stats.recovered += 1
                log.warning(
                    "command entry %s was pending (never received, or left by a previous bridge):"
                    " serving it",
                    entry_id,
                )
            self._in_flight.add(entry_id)
            self._taken[entry_id] = None
            if len(self._taken) > RECENT:
                del self._taken[next(iter(self._taken))]
            task = asyncio.create_task(self._serve(entry_id, fields.get("c", "")))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _serve(self, entry_id: str, text: str) -> None:
        try:
            await self._serve_one(text)
        except (RedisError, OSError) as exc:
            # The reply could not be stored: the caller times out with a clear error.
            self.stats.redis_errors += 1
            log.warning("command entry %s: Redis failed while answering (%s)", entry_id, exc)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._ack(entry_id)
            self._in_flight.discard(entry_id)

    async def _serve_one(self, text: str) -> None:
        try:
            command = Command.decode(text)
        except ValueError as exc:
            self.stats.malformed += 1
            log.warning("dropped a malformed command: %s", exc)
            return
        if command.deadline <= self.clock():
            self.stats.expired += 1
            log.warning("dropped command %s %s: past its deadline", command.op, command.id)
            return
        keys = [self.keys.claim(command.claim_id), self.keys.done(command.id)]
        started = await self._start(keys=keys, args=[TAKEN, PENDING, CLAIM_TTL_MS, self.done_ttl])
        started = [x.decode() if isinstance(x, bytes) else x for x in started]
        if started[0] == "gone":
            self.stats.abandoned += 1
            log.warning("dropped command %s %s: its caller gave up", command.op, command.id)
            return
        if started[0] == "dup":
            self.stats.duplicates += 1
            previous = started[1] if len(started) > 1 else None
            if previous is not None and previous != PENDING:
                await self._reply(command.id, str(previous), keep=True)
            return  # else: the first one is still running and will answer the same list
        reply, ok = await self._perform(command)
        await self._reply(command.id, reply, keep=ok)

    async def _perform(self, command: Command) -> tuple[str, bool]:
        handler = self.handlers.get(command.op)
        if handler is None:
            self.stats.refused += 1
            return error_reply(CallcenterError(f"unknown command {command.op!r}")), False
        try:
            result = await handler(command.args)
        except Exception as exc:
            self.stats.refused += 1
            if not isinstance(exc, CallcenterError):
                log.exception("command %s failed", command.op)
            return error_reply(exc), False
        self.stats.performed += 1
        return ok_reply(result), True

    async def _reply(self, command_id: str, reply: str, *, keep: bool) -> None:
        done = self.keys.done(command_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self.keys.reply(command_id), reply)
            pipe.expire(self.keys.reply(command_id), self.reply_ttl)
            if keep:
                pipe.set(done, reply, ex=self.done_ttl)
            else:
                pipe.delete(done)  # it failed: a retry may try again
            await pipe.execute()

    async def _ack(self, entry_id: str) -> None:
        await self.redis.xack(self.keys.commands, GROUP, entry_id)

    def _check_alone(self, previous: str | bytes | None) -> None:
        """One bridge per PBX: say so loudly when another one beats under the same keys."""
        try:
            other = json.loads(previous).get("bridge") if previous else None
        except (ValueError, AttributeError):
            other = None
        if other and other != self.name:
            self.stats.other_bridges += 1
            log.error(
                "another bridge (%s) serves commands under %s: run one bridge per PBX",
                other,
                self.keys.prefix,
            )

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        await self._listening.wait()
        while not stop.is_set():
            body = {
                "bridge": self.name,
                "ami": self.ami_connected(),
                "at": datetime.now(UTC).isoformat(),
            }
            try:
                previous = await self.redis.set(
                    self.keys.heartbeat,
                    json.dumps(body),
                    px=int(self.heartbeat_ttl * 1000),
                    get=True,
                )
                self._check_alone(previous if isinstance(previous, str | bytes) else None)
            except (RedisError, OSError) as exc:
                log.warning("bridge heartbeat not written (%s)", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.heartbeat_every)


def _entries(reply: object) -> list[tuple[str, dict[str, str] | None]]:
    """XREADGROUP's entries (a RESP2 list of streams, or a RESP3 dict)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        streams = [v[0] if v and isinstance(v[0], list) else v for v in reply.values()]
    else:
        streams = [messages for _stream, messages in reply]  # type: ignore[attr-defined]
    return [(entry_id, fields) for messages in streams for entry_id, fields in messages]
