"""The dispatch stream on Redis: publishing a ticket once, and what an entry carries.

Promises: ``publish`` adds a ticket to the stream at most once per published marker
(``<stream>:published:<ticket>``, set in the same Lua script as the XADD, so a relay that dies
between XADD and marking its outbox row sent cannot publish twice). ``lost_contents`` tells the
relay when Redis came back without its data (restarted without persistence): the epoch key is
gone, and tickets nobody acknowledged must be published again.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from callcenter.domain.dispatch import Ticket, TicketState
from callcenter.domain.events import Qualification

# KEYS: stream, marker. ARGV: ticket id, marker ttl, maxlen, payload.
_PUBLISH = """
local existing = redis.call('GET', KEYS[2])
if existing then
  return {0, existing}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'ticket', ARGV[1],
                      'payload', ARGV[4])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
return {1, id}
"""


def encode_ticket(ticket: Ticket) -> str:
    return json.dumps(
        {
            "id": ticket.id,
            "call_id": ticket.call_id,
            "qualification": asdict(ticket.qualification),
            "created_at": ticket.created_at.isoformat(),
            "created_by": ticket.created_by,
        },
        separators=(",", ":"),
    )


def decode_ticket(payload: str) -> Ticket:
    """The ticket of a stream entry; raises ``ValueError`` for an entry that is not one."""
    try:
        data: dict[str, Any] = json.loads(payload)
        return Ticket(
            id=str(data["id"]),
            call_id=str(data["call_id"]),
            qualification=Qualification(**data["qualification"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            created_by=str(data.get("created_by", "")),
            state=TicketState.SENT,
        )
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a dispatch ticket: {exc}") from exc


class DispatchStream:
    def __init__(
        self,
        redis: Redis,
        stream: str,
        *,
        marker_ttl_seconds: int = 7 * 24 * 3600,
        maxlen: int = 100_000,
        timeout: float = 2.0,
    ) -> None:
        self.redis = redis
        self.stream = stream
        self.marker_ttl = marker_ttl_seconds
        self.maxlen = maxlen
        self.timeout = timeout
        self.epoch_key = f"{stream}:epoch"
        self._script = redis.register_script(_PUBLISH)
        self.duplicates_refused = 0

    def marker_key(self, ticket_id: str) -> str:
        return f"{self.stream}:published:{ticket_id}"

    async def publish(self, ticket: Ticket) -> str:
        """XADD the ticket unless already published; returns its stream entry id."""
        async with asyncio.timeout(self.timeout):
            added, entry_id = await self._script(
                keys=[self.stream, self.marker_key(ticket.id)],
                args=[ticket.id, self.marker_ttl, self.maxlen, encode_ticket(ticket)],
            )
        if not int(added):
            self.duplicates_refused += 1
        return _text(entry_id)

    async def lost_contents(self) -> bool:
        """True once each time Redis is found without the epoch key (fresh or restarted empty)."""
        async with asyncio.timeout(self.timeout):
            created = await self.redis.set(self.epoch_key, uuid.uuid4().hex, nx=True)
        return bool(created)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
