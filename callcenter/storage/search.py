"""Read-only queries over the calls table for the API: active calls and the search form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.call import TERMINAL_STATES
from callcenter.storage.store import CALLS, TIMELINE

TERMINAL = tuple(state.value for state in TERMINAL_STATES)


@dataclass(frozen=True, kw_only=True)
class CallQuery:
    numbers: tuple[str, ...] = ()  # caller as received or in E.164: any of them matches
    since: datetime | None = None
    until: datetime | None = None
    seat: str | None = None
    outcome: str | None = None
    incident_type: str | None = None
    limit: int = 100


class CallSearch:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def active(self, limit: int = 500) -> list[dict[str, Any]]:
        """Calls someone is still on: not closed, abandoned or lost, and the line not ended."""
        query = (
            select(CALLS)
            .where(CALLS.c.state.not_in(TERMINAL), CALLS.c.line_ended.is_(False))
            .order_by(CALLS.c.rang_at, CALLS.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    async def search(self, q: CallQuery) -> list[dict[str, Any]]:
        """Newest first."""
        query = select(CALLS).order_by(CALLS.c.rang_at.desc(), CALLS.c.id).limit(q.limit)
        if q.numbers:
            query = query.where(
                or_(CALLS.c.caller_e164.in_(q.numbers), CALLS.c.caller_raw.in_(q.numbers))
            )
        if q.since is not None:
            query = query.where(CALLS.c.rang_at >= q.since)
        if q.until is not None:
            query = query.where(CALLS.c.rang_at < q.until)
        if q.seat is not None:
            query = query.where(CALLS.c.seat == q.seat)
        if q.outcome is not None:
            query = query.where(CALLS.c.outcome == q.outcome)
        if q.incident_type is not None:
            query = query.where(CALLS.c.incident_type == q.incident_type)
        async with self.engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    async def search_seat(
        self, seat: str, *, since: datetime, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Calls a seat had (it answered them, or has them) since ``since``, newest first."""
        return await self.search(CallQuery(seat=seat, since=since, limit=limit))

    async def caller_channel(self, call_id: str) -> str | None:
        """The caller's channel as last named by a ``queued`` or ``entered`` step."""
        query = (
            select(TIMELINE.c.payload)
            .where(TIMELINE.c.call_id == call_id, TIMELINE.c.kind.in_(("queued", "entered")))
            .order_by(TIMELINE.c.seq.desc())
        )
        async with self.engine.connect() as conn:
            for (payload,) in await conn.execute(query):
                channel = payload.get("channel") if isinstance(payload, dict) else None
                if channel:
                    return str(channel)
        return None
