"""Live messages and the sequenced log they are kept in.

Every message gets a sequence number from the log when it is appended: one global, strictly
increasing order shared by every API process (the Redis log) or by one process (the memory log).
Numbers may skip (the Redis log's follow its clock); each message names the one before it in
the log (``prev``), so a reader knows when something between is missing: the log keeps a
bounded tail, and a Redis that restarted may have lost its end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol


@dataclass(frozen=True, kw_only=True)
class LiveMessage:
    seq: int
    topic: str  # call, seat, dispatch, alert, stats
    kind: str
    at: str  # ISO 8601 UTC, when it was published
    call_id: str | None = None
    seat: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    prev: int | None = None  # the sequence of the message before it in the log (None: unknown)

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": "event",
            "seq": self.seq,
            "topic": self.topic,
            "kind": self.kind,
            "at": self.at,
            "call_id": self.call_id,
            "seat": self.seat,
            "payload": self.payload,
        }

    @cached_property
    def wire_text(self) -> str:
        """``to_wire()`` as the JSON text a websocket sends: encoded once, whatever the number
        of clients (as Starlette's ``send_json`` encodes it; anything else as text)."""
        return json.dumps(self.to_wire(), separators=(",", ":"), ensure_ascii=False, default=str)

    def body(self) -> dict[str, Any]:
        """Everything but the sequence number (what the log stores next to it)."""
        wire = self.to_wire()
        del wire["type"], wire["seq"]
        return wire

    @classmethod
    def from_body(cls, seq: int, body: dict[str, Any], *, prev: int | None = None) -> LiveMessage:
        return cls(
            seq=seq,
            prev=prev,
            topic=str(body["topic"]),
            kind=str(body["kind"]),
            at=str(body["at"]),
            call_id=body.get("call_id"),
            seat=body.get("seat"),
            payload=dict(body.get("payload") or {}),
        )


@dataclass(frozen=True)
class Backlog:
    entries: list[LiveMessage]  # in order; the first one's ``prev`` says whether any is missing


class FeedLog(Protocol):
    shared: bool  # True when other processes see the same log (Redis)

    async def append(self, body: dict[str, Any]) -> int:
        """Store one message body; returns its sequence number."""
        ...

    async def append_many(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Store message bodies in order, all or none, with consecutive sequence numbers (one
        round trip for the Redis log); returns the last one."""
        ...

    async def read_after(self, seq: int, limit: int) -> Backlog: ...

    async def last_seq(self) -> int: ...

    def tail(self, after: int) -> AsyncIterator[LiveMessage]:
        """Every message after ``after``, in order, as they are appended (runs until cancelled)."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
