"""Call-back tasks in the database: written with the calls' own saves, read by the desk.

``apply_in`` performs the pipeline's call-back ops (``domain/callbacks.py``) inside the
transaction that saves the calls, so a task exists exactly when its call's step does: a task
is inserted once per call (a replay inserts nothing), a repeat call closes the number's live
tasks and appends a step to both calls' timelines (hash-chained like every step). The desk's
reads and its offer (``offer``: a conditional update, so two API processes never offer one
task to two seats) work on their own connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callcenter.domain import callback_life as life
from callcenter.domain import callbacks as cb
from callcenter.domain.effects import AppendTimeline
from callcenter.storage.callback_tables import CallbackTaskRecord
from callcenter.storage.tables import CallRecord

TASKS = CallbackTaskRecord.__table__  # type: ignore[attr-defined]
CALLS = CallRecord.__table__  # type: ignore[attr-defined]
# "3 calls today": the number's calls in this window before the task's call
REPEAT_WINDOW = timedelta(hours=24)
WAITING = ("queued", "offered")

Append = Callable[[AsyncConnection, Sequence[AppendTimeline]], Awaitable[int]]


def task_from_row(row: Any) -> cb.CallbackTask:
    return cb.CallbackTask(
        call_id=row.call_id,
        number=row.number,
        caller_raw=row.caller_raw,
        reason=cb.Reason(row.reason),
        status=cb.Status(row.status),
        not_callable=cb.NotCallable(row.not_callable) if row.not_callable else None,
        created_at=row.created_at,
        waited_seconds=row.waited_seconds,
        repeat_count=row.repeat_count,
        seat=row.seat,
        attempts=row.attempts,
        result=cb.Result(row.result) if row.result else None,
        closed_by=row.closed_by,
        updated_at=row.updated_at,
    )


def task_values(task: cb.CallbackTask) -> dict[str, Any]:
    return {
        "call_id": task.call_id,
        "number": task.number,
        "caller_raw": task.caller_raw,
        "reason": task.reason.value,
        "status": task.status.value,
        "not_callable": task.not_callable.value if task.not_callable else None,
        "created_at": task.created_at,
        "waited_seconds": task.waited_seconds,
        "repeat_count": task.repeat_count,
        "seat": task.seat,
        "attempts": task.attempts,
        "result": task.result.value if task.result else None,
        "closed_by": task.closed_by,
        "updated_at": task.updated_at,
    }


async def apply_in(
    conn: AsyncConnection, ops: Sequence[cb.CallbackOp], append: Append
) -> tuple[list[cb.CallbackTask], int]:
    """Perform ``ops`` in order in the caller's transaction (the calls they name are saved);
    returns the tasks they created or changed, in order, and the steps stored with them."""
    changed: list[cb.CallbackTask] = []
    stored = 0
    insert = (sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert)(TASKS)
    # Every call whose number becomes known asks to close that number's live tasks: in a burst,
    # sixty new callers, almost none with a task. One query finds the numbers that have one;
    # a task created or changed in this batch adds its number.
    asked = {op.number for op in ops if isinstance(op, cb.CloseCallbacks)}
    with_tasks = await _numbers_with_live_tasks(conn, asked) if asked else set()
    for op in ops:
        if isinstance(op, cb.OpenCallback):
            task = op.task
            if task.number is not None:
                with_tasks.add(task.number)
                task = replace(task, repeat_count=await _repeats(conn, task))
            result = await conn.execute(
                insert.on_conflict_do_nothing(index_elements=[TASKS.c.call_id]).returning(
                    TASKS.c.call_id
                ),
                [task_values(task)],
            )
            if result.first() is not None:  # once per call: a second one adds nothing
                stored += await append(conn, [op.step])
                changed.append(task)
        elif isinstance(op, cb.CloseCallbacks):
            if op.number not in with_tasks:
                continue
            rows = await conn.execute(
                select(TASKS).where(
                    TASKS.c.number == op.number,
                    TASKS.c.status.in_([s.value for s in cb.LIVE]),
                )
            )
            for task in [task_from_row(r) for r in rows]:
                if not life.closes(task, op):
                    continue
                done = life.closed(task, op)
                await _save(conn, done)
                stored += await append(conn, cb.closed_steps(task, op))
                changed.append(done)
        else:
            row = (await conn.execute(select(TASKS).where(TASKS.c.call_id == op.call_id))).first()
            if row is None:
                continue
            task = task_from_row(row)
            new = life.after(task, op)
            if new != task:
                await _save(conn, new)
                changed.append(new)
                if new.number is not None:
                    with_tasks.add(new.number)
    return changed, stored


async def _numbers_with_live_tasks(conn: AsyncConnection, numbers: set[str]) -> set[str]:
    query = (
        select(TASKS.c.number)
        .where(TASKS.c.number.in_(sorted(numbers)), TASKS.c.status.in_([s.value for s in cb.LIVE]))
        .distinct()
    )
    return {number for (number,) in await conn.execute(query)}


async def _repeats(conn: AsyncConnection, task: cb.CallbackTask) -> int:
    """The number's other calls in the repeat window (the caller's history)."""
    query = select(func.count()).where(
        CALLS.c.caller_e164 == task.number,
        CALLS.c.rang_at >= task.created_at - REPEAT_WINDOW,
        CALLS.c.id != task.call_id,
    )
    return int((await conn.execute(query)).scalar_one())


async def _save(conn: AsyncConnection, task: cb.CallbackTask) -> None:
    values = task_values(task)
    del values["call_id"]
    await conn.execute(update(TASKS).where(TASKS.c.call_id == task.call_id).values(**values))


class CallbackLedger:
    """The desk's reads and its offer, over the store's engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def tasks(
        self, *, statuses: Sequence[str] | None = None, limit: int = 500
    ) -> list[cb.CallbackTask]:
        """Tasks newest first (``statuses``: only those)."""
        query = select(TASKS).order_by(TASKS.c.created_at.desc()).limit(limit)
        if statuses:
            query = query.where(TASKS.c.status.in_(list(statuses)))
        async with self.engine.connect() as conn:
            return [task_from_row(r) for r in await conn.execute(query)]

    async def get(self, call_id: str) -> cb.CallbackTask | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(TASKS).where(TASKS.c.call_id == call_id))).first()
        return task_from_row(row) if row is not None else None

    async def live(self) -> list[cb.CallbackTask]:
        return await self.tasks(statuses=[s.value for s in cb.LIVE], limit=5000)

    async def offer(self, task: cb.CallbackTask, seat: str, at: datetime) -> bool:
        """Offer an open task to ``seat``; False when another seat got it first."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(TASKS)
                .where(TASKS.c.call_id == task.call_id, TASKS.c.status == cb.Status.OPEN.value)
                .values(status=cb.Status.OFFERED.value, seat=seat, updated_at=at)
            )
        return bool(result.rowcount)

    async def take(self, call_id: str, seat: str, at: datetime) -> bool:
        """The seat it is offered to starts calling back (offered -> calling, once: a second
        start, from a double click or another process, finds it taken and sends nothing)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(TASKS)
                .where(
                    TASKS.c.call_id == call_id,
                    TASKS.c.seat == seat,
                    TASKS.c.status == cb.Status.OFFERED.value,
                )
                .values(status=cb.Status.CALLING.value, updated_at=at)
            )
        return bool(result.rowcount)

    async def release(self, call_id: str, seat: str, at: datetime) -> bool:
        """The seat gives an offered task back (declined, or no longer free)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(TASKS)
                .where(
                    TASKS.c.call_id == call_id,
                    TASKS.c.seat == seat,
                    TASKS.c.status == cb.Status.OFFERED.value,
                )
                .values(status=cb.Status.OPEN.value, seat=None, updated_at=at)
            )
        return bool(result.rowcount)

    async def longest_wait_seconds(self, now: datetime) -> float:
        """The wait of the caller waiting longest in the queue now (0 when none)."""
        query = select(func.min(CALLS.c.rang_at)).where(
            CALLS.c.state.in_(WAITING), CALLS.c.line_ended.is_(False)
        )
        async with self.engine.connect() as conn:
            oldest = (await conn.execute(query)).scalar_one_or_none()
        return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
