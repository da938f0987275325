"""The timeline store: saves a call with its new steps in one transaction, reads them back.

Promises: a step whose ``(call_id, source_id)`` is already stored is not stored again (so a
replayed AMI stream adds nothing); ``seq`` numbers a call's steps 1, 2, 3... in the order they
were appended, and their times never go backwards: a step whose own time is earlier than the
call's previous step (it reached callcenter late, or two clocks disagree: Asterisk's
``Timestamp`` and callcenter's arrival time) is stored at the previous step's time, keeping
its own in ``pbx_at`` (when Asterisk's) and in the payload's ``event_at``. Its ``clock`` still
says where its own time came from.; each step's ``hash`` chains from the one before
(computed over the step as stored) and the call's ``timeline_head`` is the last one
(``callcenter.storage.chain``: tamper evidence).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, cast, func, null, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callcenter.domain.call import Call, CallState
from callcenter.domain.callbacks import CallbackOp, CallbackTask
from callcenter.domain.effects import AppendTimeline, RequestDispatch
from callcenter.domain.events import Clock, Qualification
from callcenter.pipeline.ports import Saved
from callcenter.settings import Settings
from callcenter.storage import callbacks
from callcenter.storage.chain import GENESIS, Verdict, step_hash, verify
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.outbox import write_requests
from callcenter.storage.tables import CallRecord, TimelineEntry

CALLS = CallRecord.__table__  # type: ignore[attr-defined]
TIMELINE = TimelineEntry.__table__  # type: ignore[attr-defined]


def record_values(call: Call) -> dict[str, Any]:
    """The ``calls`` row for a domain call."""
    q = call.qualification
    return {
        "id": call.id,
        "state": call.state.value,
        "outcome": call.outcome,
        "caller_raw": call.caller_raw,
        "caller_e164": call.caller_e164,
        "queue": call.queue,
        "seat": call.seat,
        "line_ended": call.line_ended,
        "rang_at": call.rang_at,
        "queued_at": call.queued_at,
        "offered_at": call.offered_at,
        "answered_at": call.answered_at,
        "seat_answered_at": call.seat_answered_at,
        "qualified_at": call.qualified_at,
        "handed_off_at": call.handed_off_at,
        "ended_at": call.ended_at,
        "hold_seconds": call.hold_seconds,
        "talk_seconds": call.talk_seconds,
        "abandon_position": call.abandon_position,
        "abandon_original_position": call.abandon_original_position,
        "incident_type": q.incident_type if q else None,
        "priority": q.priority if q else None,
        "qualification": asdict(q) if q else None,
        "dispatch_ticket": call.dispatch_ticket,
        "dispatch_unit": call.dispatch_unit,
        "incident_id": call.incident_id,
    }


def ordered(step: AppendTimeline, previous: datetime | None) -> tuple[datetime, dict[str, Any]]:
    """The time a step is stored at, and its payload: never before the previous step."""
    if previous is None or step.at >= previous:
        return step.at, step.payload
    return previous, {**step.payload, "event_at": step.at.isoformat()}


def call_from_row(row: Any) -> Call:
    q = row.qualification
    return Call(
        id=row.id,
        state=CallState(row.state),
        caller_raw=row.caller_raw,
        caller_e164=row.caller_e164,
        queue=row.queue,
        seat=row.seat,
        line_ended=row.line_ended,
        rang_at=row.rang_at,
        queued_at=row.queued_at,
        offered_at=row.offered_at,
        answered_at=row.answered_at,
        seat_answered_at=row.seat_answered_at,
        qualified_at=row.qualified_at,
        handed_off_at=row.handed_off_at,
        ended_at=row.ended_at,
        hold_seconds=row.hold_seconds,
        talk_seconds=row.talk_seconds,
        abandon_position=row.abandon_position,
        abandon_original_position=row.abandon_original_position,
        qualification=Qualification(**q) if q else None,
        dispatch_ticket=row.dispatch_ticket,
        dispatch_unit=row.dispatch_unit,
        incident_id=row.incident_id,
    )


class StoreTransaction:
    """``CallWrites`` over one open connection of a ``TimelineStore``."""

    def __init__(self, store: TimelineStore, conn: AsyncConnection) -> None:
        self.store = store
        self.conn = conn
        self.dispatches: list[RequestDispatch] = []

    async def save_many(self, items: Sequence[Saved]) -> int:
        stored = await self.store.save_many_in(self.conn, items)
        self.dispatches.extend(d for _call, _steps, ds in items for d in ds)
        return stored

    async def apply_callbacks(self, ops: Sequence[CallbackOp]) -> tuple[list[CallbackTask], int]:
        return await callbacks.apply_in(self.conn, ops, self.store.append_in)


class TimelineStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        dialect = engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database dialect {dialect!r}")
        self._insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        # Built once: constructing these per event cost more than executing them.
        self._upserts: dict[tuple[str, ...], Any] = {}
        self._append = self._append_statement()
        self._dispatch_listeners: list[Callable[[Sequence[RequestDispatch]], None]] = []

    def on_dispatch(self, listener: Callable[[Sequence[RequestDispatch]], None]) -> None:
        """Call ``listener(requests)`` after each commit that wrote dispatch tickets.

        The relay uses it to publish at once rather than at its next poll of the outbox.
        """
        self._dispatch_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTransaction]:
        """The pipeline's batch: see ``CallStore.transaction``."""
        async with self.engine.begin() as conn:
            tx = StoreTransaction(self, conn)
            yield tx
        self.announce_dispatches(tx.dispatches)

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        """The call and the source ids already on its timeline, or None if unknown."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(CALLS).where(CALLS.c.id == call_id))).first()
            if row is None:
                return None
            sources = await conn.execute(
                select(TIMELINE.c.source_id).where(TIMELINE.c.call_id == call_id)
            )
            return call_from_row(row), {s for (s,) in sources}

    async def load_many(self, call_ids: Collection[str]) -> dict[str, tuple[Call, set[str]]]:
        """``load`` for several calls in two queries; the unknown ones are left out."""
        if not call_ids:
            return {}
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(CALLS).where(CALLS.c.id.in_(list(call_ids))))
            calls = {call.id: call for call in map(call_from_row, rows)}
            if not calls:
                return {}
            seen: dict[str, set[str]] = {call_id: set() for call_id in calls}
            sources = await conn.execute(
                select(TIMELINE.c.call_id, TIMELINE.c.source_id).where(
                    TIMELINE.c.call_id.in_(list(calls))
                )
            )
            for call_id, source in sources:
                seen[call_id].add(source)
        return {call_id: (call, seen[call_id]) for call_id, call in calls.items()}

    async def save(
        self,
        call: Call,
        steps: Sequence[AppendTimeline],
        dispatches: Sequence[RequestDispatch] = (),
    ) -> int:
        """Upsert ``call`` and append ``steps`` in one transaction; returns steps stored.

        ``dispatches``: dispatch tickets and their outbox rows, written in the same transaction.
        """
        async with self.engine.begin() as conn:
            stored = await self.save_in(conn, call, steps, dispatches)
        self.announce_dispatches(dispatches)
        return stored

    def announce_dispatches(self, dispatches: Sequence[RequestDispatch]) -> None:
        """Tell the ``on_dispatch`` listeners; call it only after the commit that wrote them."""
        if dispatches:
            for listener in self._dispatch_listeners:
                listener(dispatches)

    async def save_in(
        self,
        conn: AsyncConnection,
        call: Call,
        steps: Sequence[AppendTimeline],
        dispatches: Sequence[RequestDispatch] = (),
    ) -> int:
        """As ``save``, inside a transaction the caller owns."""
        return await self.save_many_in(conn, [(call, steps, dispatches)])

    async def save_many_in(self, conn: AsyncConnection, items: Sequence[Saved]) -> int:
        """Several calls with their new steps (and dispatch requests) in the caller's
        transaction, in three statements whatever the batch's size: the calls' upsert, one
        read of each call's last ``seq``, and the steps' insert. Returns the steps stored."""
        dispatches = [d for _call, _steps, ds in items for d in ds]
        if dispatches:
            await write_requests(conn, dispatches)
        rows = [record_values(call) for call, _steps, _ds in items]
        if rows:
            await conn.execute(self._upsert(tuple(rows[0])), rows)
        return await self.append_in(conn, [step for _call, ss, _ds in items for step in ss])

    async def append_in(self, conn: AsyncConnection, steps: Sequence[AppendTimeline]) -> int:
        """Append ``steps`` to their calls' timelines (the calls' rows exist), chained from
        each call's stored head, in the caller's transaction. Returns the steps stored."""
        if not steps:
            return 0
        call_ids = {step.call_id for step in steps}
        seq = {cid: 0 for cid in call_ids}
        latest: dict[str, datetime] = {}
        heads = {cid: GENESIS for cid in call_ids}
        stored: set[tuple[str, str]] = set()
        for cid, head, n, at, source in await conn.execute(
            _heads_and_replays(),
            {"p_calls": list(call_ids), "p_sources": list({step.source_id for step in steps})},
        ):
            if source is not None:
                stored.add((cid, source))
                continue
            seq[cid], heads[cid] = n or 0, head or GENESIS
            if at is not None:
                latest[cid] = at
        params = []
        for step in steps:
            if (step.call_id, step.source_id) in stored:
                continue
            stored.add((step.call_id, step.source_id))
            seq[step.call_id] += 1
            at, payload = ordered(step, latest.get(step.call_id))
            latest[step.call_id] = at
            row = {
                "call_id": step.call_id,
                "seq": seq[step.call_id],
                "kind": step.kind,
                "source_id": step.source_id,
                "clock": step.clock.value,
                "inferred": step.inferred,
                "at": at,
                "pbx_at": step.at if step.clock is Clock.PBX else None,
                "received_at": step.received_at,
                "payload": payload,
            }
            row["hash"] = heads[step.call_id] = step_hash(heads[step.call_id], row)
            params.append(row)
        if not params:
            return 0
        result = await conn.execute(self._append, params)
        await conn.execute(
            _set_heads(),
            [{"call": cid, "head": head} for cid, head in heads.items() if head != GENESIS],
        )
        return len(result.all())

    def _upsert(self, keys: tuple[str, ...]) -> Any:
        """INSERT ... ON CONFLICT (id) DO UPDATE of the call row, for these columns."""
        statement = self._upserts.get(keys)
        if statement is None:
            insert = self._insert(CALLS)
            statement = insert.on_conflict_do_update(
                index_elements=[CALLS.c.id],
                set_={k: insert.excluded[k] for k in keys if k != "id"},
            )
            self._upserts[keys] = statement
        return statement

    def _append_statement(self) -> Any:
        """Append steps; a step whose ``(call_id, source_id)`` is stored is skipped (a replay).

        RETURNING counts what was really inserted, on SQLite and PostgreSQL alike."""
        return (
            self._insert(TIMELINE)
            .on_conflict_do_nothing(index_elements=[TIMELINE.c.call_id, TIMELINE.c.source_id])
            .returning(TIMELINE.c.id)
        )

    async def last_pbx_event_at(self) -> datetime | None:
        """Asterisk's time of the last event the bridge saw live (the latest step on the PBX's
        clock): where a reconciliation with the PBX's own records starts (``pbxlog``)."""
        query = (
            select(TIMELINE.c.pbx_at)
            .where(TIMELINE.c.clock == Clock.PBX.value, TIMELINE.c.pbx_at.is_not(None))
            .order_by(TIMELINE.c.received_at.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            found: datetime | None = (await conn.execute(query)).scalar()
            return found

    async def existing(self, call_ids: set[str]) -> set[str]:
        """Which of ``call_ids`` are calls on record."""
        if not call_ids:
            return set()
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(CALLS.c.id).where(CALLS.c.id.in_(call_ids)))
            return {cid for (cid,) in rows}

    async def get_call(self, call_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(CALLS).where(CALLS.c.id == call_id))).first()
            return dict(row._mapping) if row else None

    async def timeline(
        self, call_id: str, *, after_seq: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The call's steps after ``after_seq``, in order."""
        query = (
            select(TIMELINE)
            .where(TIMELINE.c.call_id == call_id, TIMELINE.c.seq > after_seq)
            .order_by(TIMELINE.c.seq)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    async def verify(self, call_id: str) -> Verdict | None:
        """Check the call's whole hash chain (None: no such call)."""
        async with self.engine.connect() as conn:
            head = (
                await conn.execute(select(CALLS.c.timeline_head).where(CALLS.c.id == call_id))
            ).first()
            if head is None:
                return None
            rows = await conn.execute(
                select(TIMELINE).where(TIMELINE.c.call_id == call_id).order_by(TIMELINE.c.seq)
            )
            return verify(call_id, head[0], [dict(r._mapping) for r in rows])

    async def calls(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Call rows that rang in ``[since, until)``, oldest first, streamed."""
        query = select(CALLS).order_by(CALLS.c.rang_at, CALLS.c.id)
        if since is not None:
            query = query.where(CALLS.c.rang_at >= since)
        if until is not None:
            query = query.where(CALLS.c.rang_at < until)
        async with self.engine.connect() as conn:
            result = await conn.stream(query)
            async for row in result:
                yield dict(row._mapping)


@functools.cache
def _set_heads() -> Any:
    return (
        update(CALLS).where(CALLS.c.id == bindparam("call")).values(timeline_head=bindparam("head"))
    )


@functools.cache
def _heads_and_replays() -> Any:
    """One query (one round trip) for what ``append_in`` must know before it appends, built
    once (building it per save cost more than running it); binds ``p_calls``, ``p_sources``.

    Rows with ``source_id`` NULL: each call's chain head, last seq and time (the calls were
    just upserted, so each has one). Rows with a ``source_id``: steps already stored (a
    replay), skipped so that seq has no gap and every hash chains from a stored step.
    """
    calls: Any = bindparam("p_calls", expanding=True)
    last = (
        select(
            CALLS.c.id,
            CALLS.c.timeline_head,
            func.max(TIMELINE.c.seq),
            func.max(TIMELINE.c.at),
            cast(null(), TIMELINE.c.source_id.type),
        )
        .select_from(CALLS.outerjoin(TIMELINE, TIMELINE.c.call_id == CALLS.c.id))
        .where(CALLS.c.id.in_(calls))
        .group_by(CALLS.c.id, CALLS.c.timeline_head)
    )
    already = select(
        TIMELINE.c.call_id,
        cast(null(), CALLS.c.timeline_head.type),
        cast(null(), TIMELINE.c.seq.type),
        cast(null(), TIMELINE.c.at.type),
        TIMELINE.c.source_id,
    ).where(
        TIMELINE.c.call_id.in_(calls),
        TIMELINE.c.source_id.in_(bindparam("p_sources", expanding=True)),
    )
    return union_all(last, already)


@asynccontextmanager
async def open_store(settings: Settings, *, migrate: bool = False) -> AsyncIterator[TimelineStore]:
    """The configured database's store, its engine disposed of on exit (``migrate``: bring the
    schema to head first, as the bridge and the embedded commands do; API processes only use)."""
    engine = create_engine(settings.database_url(), echo=settings.database.echo)
    try:
        if migrate:
            await upgrade(engine)
        yield TimelineStore(engine)
    finally:
        await engine.dispose()
