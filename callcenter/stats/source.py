"""Reads the facts the queue statistics need from the calls table.

Answered and abandoned calls are counted by their recorded outcome, with the same functions
as the export (``callcenter.domain.outcomes``), so the statistics and the export cannot
disagree on which call ended how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain import outcomes
from callcenter.domain.call import CallState
from callcenter.stats.queue import WINDOWS, Step
from callcenter.storage.store import CALLS

WAITING = (CallState.QUEUED.value, CallState.OFFERED.value)
LONGEST_CALL = timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    answered: list[Step]
    abandoned: list[Step]
    waiting_since: list[datetime]


async def read_facts(engine: AsyncEngine, now: datetime) -> Facts:
    """Calls decided in the longest window (the shift) and the calls waiting now."""
    since = now - max(WINDOWS.values())
    decided = select(
        CALLS.c.outcome,
        CALLS.c.rang_at,
        CALLS.c.answered_at,
        CALLS.c.ended_at,
        CALLS.c.hold_seconds,
    ).where(
        # bounded on the indexed rang_at so a year of calls is not scanned every few seconds:
        # no caller waits or talks a day
        CALLS.c.rang_at >= since - LONGEST_CALL,
        CALLS.c.outcome.is_not(None),
        or_(CALLS.c.answered_at >= since, CALLS.c.ended_at >= since),
    )
    # the wait is counted from entry: a caller who came through the overflow path shows it
    waiting = select(CALLS.c.rang_at, CALLS.c.queued_at).where(
        CALLS.c.state.in_(WAITING), CALLS.c.line_ended.is_(False)
    )
    answered: list[Step] = []
    abandoned: list[Step] = []
    async with engine.connect() as conn:
        for row in await conn.execute(decided):
            kind = outcomes.counted_as(row.outcome)
            at = outcomes.decided_at(
                row.outcome, answered_at=row.answered_at, ended_at=row.ended_at
            )
            if at is None or kind not in (outcomes.Outcome.ANSWERED, outcomes.Outcome.ABANDONED):
                continue
            wait = outcomes.wait_seconds(
                row.outcome, rang_at=row.rang_at, answered_at=row.answered_at, ended_at=row.ended_at
            )
            step = Step(at, _hold(row.hold_seconds), wait_seconds=wait)
            (answered if kind is outcomes.Outcome.ANSWERED else abandoned).append(step)
        since_rows = [r or q for r, q in await conn.execute(waiting)]
    answered.sort(key=lambda s: s.at)
    abandoned.sort(key=lambda s: s.at)
    return Facts(answered, abandoned, [t for t in since_rows if t is not None])


def _hold(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
