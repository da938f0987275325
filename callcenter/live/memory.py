"""The single-process live log: a bounded ring buffer in memory."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from callcenter.live.messages import Backlog, LiveMessage


class MemoryLog:
    shared = False

    def __init__(self, *, retention: int = 10_000) -> None:
        self._entries: deque[LiveMessage] = deque(maxlen=retention)
        self._seq = 0
        self._changed = asyncio.Condition()

    async def append(self, body: dict[str, Any]) -> int:
        async with self._changed:
            self._seq += 1
            self._entries.append(LiveMessage.from_body(self._seq, body, prev=self._seq - 1))
            self._changed.notify_all()
            return self._seq

    async def append_many(self, bodies: Sequence[dict[str, Any]]) -> int:
        seq = self._seq
        for body in bodies:
            seq = await self.append(body)
        return seq

    async def read_after(self, seq: int, limit: int) -> Backlog:
        first = self._entries[0].seq if self._entries else 0
        start = max(seq + 1 - first, 0) if self._entries else 0
        entries = [self._entries[i] for i in range(start, min(start + limit, len(self._entries)))]
        return Backlog(entries=entries)

    async def last_seq(self) -> int:
        return self._seq

    async def tail(self, after: int) -> AsyncIterator[LiveMessage]:
        last = after
        while True:
            async with self._changed:
                await self._changed.wait_for(lambda seen=last: self._seq > seen)  # type: ignore[misc]
            backlog = await self.read_after(last, 10_000)
            for message in backlog.entries:
                last = message.seq
                yield message

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None
