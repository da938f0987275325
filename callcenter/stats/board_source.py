"""Reads what the wallboard needs beyond the queue statistics: the facts of the burn-rate
predictor, the calls on the seats, the waiting calls with their priority, the open escalations,
recent degraded call-entry decisions (safe defaults, or taken from memory because the store was
late). Read-only queries; every one is bounded in time or size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.stats.alerts import Escalation
from callcenter.storage.store import CALLS, TIMELINE

ARRIVAL_WINDOW = timedelta(seconds=120)  # the recent arrival rate is measured over this
HANDLING_WINDOW = timedelta(minutes=15)  # the recent talk time
DEGRADED_WINDOW = timedelta(minutes=5)
ESCALATION_WINDOW = timedelta(hours=12)
DEFAULT_TALK_SECONDS = 90.0  # before any conversation ended (the demo's mean talk)
PRIORITY_KINDS = ("entry_decision", "reprioritised")


@dataclass(frozen=True, kw_only=True)
class RoomFacts:
    arrivals_per_second: float
    talk_seconds: float
    overflowing: int  # callers on the overflow path now
    degraded_entries: int
    escalations: list[Escalation]


# Notes of a decision taken from memory because the store answered too late (agi/qualify.py):
# right for the caller, but the supervisors should know the database is slow.
FROM_MEMORY_NOTES = ("repeat_lookup_from_memory", "room_from_snapshot")


def degraded_entry(payload: Any) -> bool:
    """An entry decision on safe defaults, or one the store was too slow to take part in."""
    if not isinstance(payload, dict):
        return False
    if payload.get("degraded"):
        return True
    notes = payload.get("notes") or ()
    return any(isinstance(n, str) and n.startswith(FROM_MEMORY_NOTES) for n in notes)


def _number(payload: Any, key: str) -> float | None:
    if isinstance(payload, dict):
        value = payload.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return None


async def read_room_facts(engine: AsyncEngine, now: datetime) -> RoomFacts:
    arrivals = (
        select(func.count()).select_from(CALLS).where(CALLS.c.rang_at >= now - ARRIVAL_WINDOW)
    )
    talks = select(TIMELINE.c.payload).where(
        TIMELINE.c.kind == "conversation_ended", TIMELINE.c.at >= now - HANDLING_WINDOW
    )
    overflowing = (
        select(func.count())
        .select_from(CALLS)
        .where(CALLS.c.state == "overflowed", CALLS.c.line_ended.is_(False))
    )
    entries = select(TIMELINE.c.payload).where(
        TIMELINE.c.kind == "entry_decision", TIMELINE.c.at >= now - DEGRADED_WINDOW
    )
    escalated = (
        select(
            TIMELINE.c.call_id,
            TIMELINE.c.at,
            TIMELINE.c.payload,
            CALLS.c.priority,
            CALLS.c.incident_type,
        )
        .join(CALLS, CALLS.c.id == TIMELINE.c.call_id)
        .where(
            TIMELINE.c.kind == "dispatch_escalated",
            TIMELINE.c.at >= now - ESCALATION_WINDOW,
            CALLS.c.state == "qualified",
        )
        .order_by(TIMELINE.c.at)
        .limit(100)
    )
    async with engine.connect() as conn:
        arrived = (await conn.execute(arrivals)).scalar_one()
        seconds = [s for (p,) in await conn.execute(talks) if (s := _number(p, "talk_seconds"))]
        over = (await conn.execute(overflowing)).scalar_one()
        degraded = sum(1 for (p,) in await conn.execute(entries) if degraded_entry(p))
        escalations = [
            Escalation(
                call_id=call_id,
                ticket_id=str(payload.get("ticket_id", "")) if isinstance(payload, dict) else "",
                at=at,
                priority=priority,
                incident_type=incident,
            )
            for call_id, at, payload, priority, incident in await conn.execute(escalated)
        ]
    return RoomFacts(
        arrivals_per_second=arrived / ARRIVAL_WINDOW.total_seconds(),
        talk_seconds=sum(seconds) / len(seconds) if seconds else DEFAULT_TALK_SECONDS,
        overflowing=int(over),
        degraded_entries=degraded,
        escalations=escalations,
    )


CALL_FIELDS = (
    CALLS.c.id,
    CALLS.c.state,
    CALLS.c.caller_raw,
    CALLS.c.caller_e164,
    CALLS.c.seat,
    CALLS.c.rang_at,
    CALLS.c.queued_at,
    CALLS.c.answered_at,
    CALLS.c.incident_type,
    CALLS.c.priority,
)


async def read_calls(engine: AsyncEngine, call_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The calls on the seats (at most a few hundred ids), by id."""
    ids = sorted(set(call_ids))[:1000]
    if not ids:
        return {}
    async with engine.connect() as conn:
        rows = await conn.execute(select(*CALL_FIELDS).where(CALLS.c.id.in_(ids)))
        return {row.id: dict(row._mapping) for row in rows}


async def read_waiting(engine: AsyncEngine, limit: int = 1000) -> list[dict[str, Any]]:
    """Callers in the queue now (queued or offered), each with its queue priority (the
    FastAGI's, or the last re-prioritisation's), in Asterisk's order: higher priority first,
    then the longest waiting; ``position`` is 1-based in that order."""
    query = (
        select(*CALL_FIELDS, CALLS.c.queue)
        .where(CALLS.c.state.in_(("queued", "offered")), CALLS.c.line_ended.is_(False))
        .order_by(CALLS.c.queued_at, CALLS.c.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        calls = [dict(row._mapping) for row in await conn.execute(query)]
        ids = [c["id"] for c in calls]
        prio: dict[str, int] = {}
        if ids:
            steps = (
                select(TIMELINE.c.call_id, TIMELINE.c.payload)
                .where(and_(TIMELINE.c.call_id.in_(ids), TIMELINE.c.kind.in_(PRIORITY_KINDS)))
                .order_by(TIMELINE.c.call_id, TIMELINE.c.seq)
            )
            for call_id, payload in await conn.execute(steps):
                value = _number(payload, "priority")
                if value is not None:
                    prio[call_id] = int(value)
    for call in calls:
        call["queue_priority"] = prio.get(call["id"], 0)
    never = datetime.max.replace(tzinfo=UTC)
    calls.sort(
        key=lambda c: (-c["queue_priority"], c["queued_at"] or c["rang_at"] or never, c["id"])
    )
    for i, call in enumerate(calls, start=1):
        call["position"] = i
    return calls
