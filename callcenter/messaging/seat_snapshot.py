"""The seat board shared with API-only processes: the bridge publishes it, they read it.

The bridge's ``LiveSeatBoard`` calls ``SeatPublisher.changed`` on every change; the publisher
writes the whole board (20 seats: one small JSON document) to the key ``<prefix>:seats`` and
PUBLISHes it on the channel of the same name, at once and again every ``refresh`` seconds (so a
Redis that restarted empty is filled again). Each snapshot carries the publisher's identity and
a version (its clock in nanoseconds): a reader never goes back to an older board of the same
publisher, and takes a new publisher's (a restarted bridge) whatever its clock says. It also
says whether the board is ``synced`` (the bridge had the PBX's QueueStatus answer): a
restarted bridge first publishes that it has no board yet, so API processes stop showing the
previous bridge's and answer 503 until it has one (snapshots without the field, from older
bridges, count as synced).

``RemoteSeatBoard`` is the ``SeatBoard`` port of an API-only process: it keeps the last board
in memory (the port is synchronous), applies each published snapshot, reads the key again
every ``refresh`` seconds in case a message was missed, and reads the bridge's heartbeat for
``pbx_connected`` (no heartbeat: not connected). Until it has read a synced snapshot it is
not ``synced``. A board seen through Redis may lag the bridge by the time a message takes to
arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from callcenter.domain.seats import Seat, SeatState
from callcenter.messaging.commands import BridgeKeys
from callcenter.pipeline.ports import SeatBoard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    source: str  # the publishing bridge
    version: int
    seats: list[Seat]
    synced: bool = True  # the bridge had the PBX's QueueStatus answer


def encode_seats(seats: list[Seat], version: int, source: str = "", *, synced: bool = True) -> str:
    rows = [
        {
            "name": s.name,
            "interface": s.interface,
            "queue": s.queue,
            "state": s.state.value,
            "paused_reason": s.paused_reason,
            "call_id": s.call_id,
        }
        for s in seats
    ]
    body = {"source": source, "version": version, "synced": synced, "seats": rows}
    return json.dumps(body, separators=(",", ":"))


def decode_seats(text: str | bytes) -> Snapshot:
    """Raises ``ValueError`` for anything but a snapshot."""
    try:
        data: dict[str, Any] = json.loads(text)
        seats = [
            Seat(
                name=str(r["name"]),
                interface=str(r["interface"]),
                queue=str(r["queue"]),
                state=SeatState(r["state"]),
                paused_reason=r.get("paused_reason"),
                call_id=r.get("call_id"),
            )
            for r in data["seats"]
        ]
        synced = data.get("synced", True)
        if not isinstance(synced, bool):
            raise TypeError(f"synced is {synced!r}")
        return Snapshot(str(data.get("source", "")), int(data["version"]), seats, synced)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a seat board snapshot: {exc!r}") from exc


class SeatPublisher:
    """Bridge side: the board to Redis whenever it changes."""

    def __init__(
        self,
        redis: Redis,
        keys: BridgeKeys,
        board: SeatBoard,
        *,
        source: str = "",
        refresh: float = 5.0,
    ) -> None:
        self.redis = redis
        self.source = source or uuid.uuid4().hex
        self.keys = keys
        self.board = board
        self.refresh = refresh
        self.published = 0
        self._changed = asyncio.Event()

    def changed(self) -> None:
        """``LiveSeatBoard.on_change``: synchronous, only wakes the publisher."""
        self._changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        self._changed.set()  # the board as it is now
        while not stop.is_set():
            waiter = asyncio.create_task(self._changed.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=self.refresh, return_when=asyncio.FIRST_COMPLETED
            )
            for task in (waiter, stopper):
                task.cancel()
            if stop.is_set():
                return
            self._changed.clear()
            try:
                await self.publish()
            except (RedisError, OSError) as exc:
                log.warning("seat board not published (%s); retrying", exc)
                self._changed.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def publish(self) -> None:
        board = self.board
        snapshot = encode_seats(board.seats(), time.time_ns(), self.source, synced=board.synced())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.seats, snapshot)
            pipe.publish(self.keys.seats, snapshot)
            await pipe.execute()
        self.published += 1


class RemoteSeatBoard:
    """API side: the ``SeatBoard`` port over the bridge's published board."""

    def __init__(self, redis: Redis, keys: BridgeKeys, *, refresh: float = 1.0) -> None:
        self.redis = redis
        self.keys = keys
        self.refresh = refresh
        self._seats: dict[str, Seat] = {}
        self._source: str | None = None
        self._version = -1
        self._synced = False
        self._ami = False
        self.loaded = asyncio.Event()  # a first board was read

    def seats(self) -> list[Seat]:
        return sorted(self._seats.values(), key=lambda s: s.name)

    def seat(self, name: str) -> Seat | None:
        return self._seats.get(name)

    def synced(self) -> bool:
        """The last board read came from a bridge that had heard from the PBX."""
        return self._synced

    def pbx_connected(self) -> bool:
        """A bridge is alive and logged in to AMI (as of the last heartbeat read)."""
        return self._ami

    def apply(self, text: str | bytes) -> bool:
        """Take a snapshot unless an equal or newer one of the same bridge is already shown."""
        try:
            snapshot = decode_seats(text)
        except ValueError as exc:
            log.warning("ignored a seat board message: %s", exc)
            return False
        if snapshot.source == self._source and snapshot.version <= self._version:
            return False
        self._source, self._version = snapshot.source, snapshot.version
        self._synced = snapshot.synced
        self._seats = {s.name: s for s in snapshot.seats}
        self.loaded.set()
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.keys.seats)
                await self._follow(pubsub, stop)
            except (RedisError, OSError) as exc:
                self._ami = False
                log.warning("seat board unavailable (%s); retrying", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _follow(self, pubsub: PubSub, stop: asyncio.Event) -> None:
        next_read = 0.0
        while not stop.is_set():
            if time.monotonic() >= next_read:
                await self.read()
                next_read = time.monotonic() + self.refresh
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None and message.get("type") == "message":
                self.apply(message["data"])

    async def read(self) -> None:
        """The key and the heartbeat, as they are now."""
        snapshot, heartbeat = await self.redis.mget([self.keys.seats, self.keys.heartbeat])
        if snapshot is not None:
            self.apply(snapshot)
        self._ami = _ami_up(heartbeat)


def _ami_up(heartbeat: str | bytes | None) -> bool:
    if heartbeat is None:
        return False
    try:
        return bool(json.loads(heartbeat).get("ami"))
    except (ValueError, AttributeError):
        return False
