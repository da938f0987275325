"""Reads the facts the queue statistics need from the timeline and the calls table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.call import CallState
from callcenter.stats.queue import WINDOWS, Step
from callcenter.storage.store import CALLS, TIMELINE

WAITING = (CallState.QUEUED.value, CallState.OFFERED.value)


@dataclass(frozen=True)
class Facts:
    answered: list[Step]
    abandoned: list[Step]
    waiting_since: list[datetime]


def _hold(payload: object) -> int | None:
    if isinstance(payload, dict):
        value = payload.get("hold_seconds")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


async def read_facts(engine: AsyncEngine, now: datetime) -> Facts:
    """Steps of the longest window (the shift) and the calls waiting now."""
    since = now - max(WINDOWS.values())
    steps = (
        select(TIMELINE.c.kind, TIMELINE.c.at, TIMELINE.c.payload)
        .where(TIMELINE.c.kind.in_(("answered", "abandoned")), TIMELINE.c.at >= since)
        .order_by(TIMELINE.c.at)
    )
    waiting = select(CALLS.c.queued_at, CALLS.c.rang_at).where(CALLS.c.state.in_(WAITING))
    answered: list[Step] = []
    abandoned: list[Step] = []
    async with engine.connect() as conn:
        for kind, at, payload in await conn.execute(steps):
            (answered if kind == "answered" else abandoned).append(Step(at, _hold(payload)))
        since_rows = [q or r for q, r in await conn.execute(waiting)]
    return Facts(answered, abandoned, [t for t in since_rows if t is not None])
