"""The cross-process live log: one Redis Stream shared by every API process and the bridge.

Appending runs a Lua script (Redis runs scripts one at a time) that gives the message the
sequence ``max(last + 1, Redis's clock in microseconds)`` and XADDs it with stream id
``<seq>-0`` and the previous message's sequence (``p``). So sequence numbers are global, in
stream order, and never go back, even when Redis restarts empty or from an append-only file
that lost its last writes: readers that go on from the last sequence they saw get what comes
next, never a number twice. Each message links to its predecessor, which is how a reader knows
that something is missing before it (``LiveMessage.prev``; see ``callcenter.live.hub``): the
stream is capped (``MAXLEN ~ retention``) and Redis may have lost the end of it. (A Redis whose
clock went back further than its lost writes could reuse numbers: keep its clock synchronised.)
``append_many`` does the same for a batch in one script (one round trip, consecutive numbers
after the first, all or none). Each process tails the stream with a blocking XREAD (short
block, with a deadline) and fans it out locally (``callcenter.live.hub``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from callcenter.live.messages import Backlog, LiveMessage

log = logging.getLogger(__name__)

APPEND = """
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = redis.call('TIME')
local seq = math.max(prev + 1, tonumber(now[1]) * 1000000 + tonumber(now[2]))
local id = string.format('%d', seq)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id .. '-0', 'm', ARGV[1],
    'p', string.format('%d', prev))
redis.call('SET', KEYS[2], id)
return seq
"""

# The same for several messages in one round trip: ARGV[1] is the retention, then the bodies;
# the first number as APPEND's, the next ones consecutive (each linked to its predecessor).
APPEND_MANY = """
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = redis.call('TIME')
local seq = math.max(prev + 1, tonumber(now[1]) * 1000000 + tonumber(now[2]))
for i = 2, #ARGV do
  local id = string.format('%d', seq)
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id .. '-0', 'm', ARGV[i],
      'p', string.format('%d', prev))
  prev = seq
  seq = seq + 1
end
redis.call('SET', KEYS[2], string.format('%d', prev))
return prev
"""


def _seq(entry_id: Any) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _message(entry_id: Any, fields: Any) -> LiveMessage:
    raw = fields.get(b"m", fields.get("m"))
    body = json.loads(raw)
    prev = fields.get(b"p", fields.get("p"))  # absent in entries of older versions
    return LiveMessage.from_body(_seq(entry_id), body, prev=int(prev) if prev is not None else None)


class RedisStreamLog:
    shared = True

    def __init__(
        self,
        redis: Redis,
        *,
        key: str = "callcenter:live",
        retention: int = 10_000,
        block_ms: int = 1000,
        timeout: float = 5.0,
    ) -> None:
        self.redis = redis
        self.key = key
        self.counter = f"{key}:seq"
        self.retention = retention
        self.block_ms = block_ms
        self.timeout = timeout
        self._append = redis.register_script(APPEND)
        self._append_many = redis.register_script(APPEND_MANY)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStreamLog:
        return cls(Redis.from_url(url, socket_timeout=10.0, socket_connect_timeout=5.0), **kwargs)

    async def append(self, body: dict[str, Any]) -> int:
        data = json.dumps(body, separators=(",", ":"), default=str)
        async with asyncio.timeout(self.timeout):
            seq = await self._append(keys=[self.key, self.counter], args=[data, self.retention])
        return int(seq)

    async def append_many(self, bodies: Sequence[dict[str, Any]]) -> int:
        data = [json.dumps(body, separators=(",", ":"), default=str) for body in bodies]
        async with asyncio.timeout(self.timeout):
            seq = await self._append_many(
                keys=[self.key, self.counter], args=[self.retention, *data]
            )
        return int(seq)

    async def read_after(self, seq: int, limit: int) -> Backlog:
        async with asyncio.timeout(self.timeout):
            entries: Any = await self.redis.xrange(
                self.key, min=f"{seq + 1}-0", max="+", count=limit
            )
        return Backlog(entries=[_message(entry_id, fields) for entry_id, fields in entries])

    async def last_seq(self) -> int:
        async with asyncio.timeout(self.timeout):
            value = await self.redis.get(self.counter)
        return int(value) if value is not None else 0

    async def tail(self, after: int) -> AsyncIterator[LiveMessage]:
        last = after
        while True:
            try:
                async with asyncio.timeout(self.block_ms / 1000 + self.timeout):
                    reply: Any = await self.redis.xread(
                        {self.key: f"{last}-0"}, count=500, block=self.block_ms
                    )
            except (RedisError, TimeoutError):
                log.warning("live stream %s: read failed after %s; retrying", self.key, last)
                await asyncio.sleep(1.0)
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    message = _message(entry_id, fields)
                    last = message.seq
                    yield message

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                return bool(await self.redis.ping())
        except (RedisError, TimeoutError):
            return False

    async def close(self) -> None:
        await self.redis.aclose()
