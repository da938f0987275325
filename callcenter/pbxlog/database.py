"""Reads Asterisk's ``queue_log`` and ``cel`` tables (PostgreSQL, written by res_config_pgsql
and cel_pgsql) for a time window.

``read(since, until)`` returns every row of every call that has a row in ``[since, until]``
(queue_log by ``callid``, CEL by ``linkedid``), no older than ``lookback`` before ``since``:
a call that began before the window comes whole. Times are UTC both ways (the columns are
``timestamp without time zone`` in UTC); values Asterisk left NULL read as ``""``. Raises what
the database raises (the reconciler counts it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.pbx_log import CelRow, PbxRecords, QueueLogRow
from callcenter.pbxlog.tables import CEL, QUEUE_LOG


def naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class DatabaseReader:
    source = "queue_log+cel"

    def __init__(self, engine: AsyncEngine, *, lookback: timedelta = timedelta(hours=12)) -> None:
        self.engine = engine
        self.lookback = lookback

    async def read(self, since: datetime, until: datetime) -> PbxRecords:
        start, end = naive_utc(since), naive_utc(until)
        oldest = start - self.lookback
        q = QUEUE_LOG.c
        calls = sa.select(q.callid).where(q.time >= start, q.time <= end, q.callid.is_not(None))
        queue_rows = (
            sa.select(QUEUE_LOG)
            .where(q.callid.in_(calls.scalar_subquery()), q.time >= oldest)
            .order_by(q.time, q.id)
        )
        c = CEL.c
        linked = sa.select(c.linkedid).where(c.eventtime >= start, c.eventtime <= end)
        cel_rows = (
            sa.select(CEL)
            .where(c.linkedid.in_(linked.scalar_subquery()), c.eventtime >= oldest)
            .order_by(c.eventtime, c.id)
        )
        async with self.engine.connect() as conn:
            ql = [_queue_row(r) for r in await conn.execute(queue_rows) if r.time is not None]
            cel = [_cel_row(r) for r in await conn.execute(cel_rows)]
        return PbxRecords(queue_log=ql, cel=cel, source=self.source)


def _queue_row(r: sa.Row[tuple[object, ...]]) -> QueueLogRow:
    m = r._mapping
    return QueueLogRow(
        time=aware(m["time"]),
        callid=m["callid"] or "",
        queuename=m["queuename"] or "",
        agent=m["agent"] or "",
        event=m["event"] or "",
        **{f"data{n}": m[f"data{n}"] or "" for n in range(1, 6)},
    )


def _cel_row(r: sa.Row[tuple[object, ...]]) -> CelRow:
    m = r._mapping
    return CelRow(
        eventtype=m["eventtype"] or "",
        eventtime=aware(m["eventtime"]),
        uniqueid=m["uniqueid"] or "",
        linkedid=m["linkedid"] or "",
        channame=m["channame"] or "",
        context=m["context"] or "",
        cid_num=m["cid_num"] or "",
        extra=m["extra"] or "",
    )
