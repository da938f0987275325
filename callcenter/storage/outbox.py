"""The dispatch outbox: written with the call's own save, drained by the relay.

Promises: ``write_requests`` runs inside the caller's transaction (``TimelineStore.save``), so
a qualification, its ticket and its outbox row are stored together or not at all; writing the
same ticket id again (an amendment) updates an open ticket's qualification and adds no outbox
row. ``unsent`` lists rows oldest first; ``mark_sent`` is idempotent.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callcenter.domain.dispatch import OPEN_TICKET_STATES, Ticket, TicketState
from callcenter.domain.effects import RequestDispatch
from callcenter.domain.events import Qualification
from callcenter.storage.dispatch_tables import DispatchOutboxRecord, DispatchTicketRecord

TICKETS = DispatchTicketRecord.__table__  # type: ignore[attr-defined]
OUTBOX = DispatchOutboxRecord.__table__  # type: ignore[attr-defined]


@functools.cache
def _inserts(dialect: str) -> tuple[Any, Any]:
    """The ticket upsert and the outbox insert, built once.

    A ticket id already stored is an amendment: an open ticket takes the new qualification, an
    acknowledged one keeps what the dispatcher acted on. The outbox row is written once.
    """
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    ticket = insert(TICKETS)
    amend = ticket.on_conflict_do_update(
        index_elements=[TICKETS.c.id],
        set_={k: ticket.excluded[k] for k in ("qualification", "incident_type", "priority")},
        where=TICKETS.c.state.in_([s.value for s in OPEN_TICKET_STATES]),
    )
    return amend, insert(OUTBOX).on_conflict_do_nothing(index_elements=[OUTBOX.c.ticket_id])


_TICKET_COLUMNS = (
    "id",
    "call_id",
    "state",
    "incident_type",
    "priority",
    "qualification",
    "created_by",
    "created_at",
    "sent_at",
    "escalated_at",
    "unit",
    "acknowledged_by",
    "acknowledged_at",
    "recorded_at",
)


@functools.cache
def _ticket_with_row() -> Any:
    """PostgreSQL: the ticket's upsert and its outbox row in one statement (one round trip of
    the hand-off's transaction, not two): ``WITH ticket AS (INSERT ... ON CONFLICT ...) INSERT
    INTO dispatch_outbox ... ON CONFLICT DO NOTHING``, the same upsert as ``_inserts``."""
    ticket = postgresql.insert(TICKETS).values(
        {c: bindparam(f"t_{c}", type_=TICKETS.c[c].type) for c in _TICKET_COLUMNS}
    )
    amend = ticket.on_conflict_do_update(
        index_elements=[TICKETS.c.id],
        set_={k: ticket.excluded[k] for k in ("qualification", "incident_type", "priority")},
        where=TICKETS.c.state.in_([s.value for s in OPEN_TICKET_STATES]),
    )
    row = postgresql.insert(OUTBOX).values(
        ticket_id=bindparam("t_id", type_=OUTBOX.c.ticket_id.type),
        created_at=bindparam("t_created_at", type_=OUTBOX.c.created_at.type),
        attempts=0,
        sent_at=None,
    )
    return row.on_conflict_do_nothing(index_elements=[OUTBOX.c.ticket_id]).add_cte(
        amend.cte("ticket")
    )


async def write_requests(conn: AsyncConnection, requests: Sequence[RequestDispatch]) -> None:
    """Insert each request's ticket and outbox row (in the caller's transaction)."""
    tickets = [_ticket_values(r) for r in requests]
    if conn.dialect.name == "postgresql":
        if tickets:
            await conn.execute(
                _ticket_with_row(), [{f"t_{k}": v for k, v in t.items()} for t in tickets]
            )
        return
    ticket_insert, outbox_insert = _inserts(conn.dialect.name)
    for ticket in tickets:
        await conn.execute(ticket_insert, ticket)
        row = {
            "ticket_id": ticket["id"],
            "created_at": ticket["created_at"],
            "attempts": 0,
            "sent_at": None,
        }
        await conn.execute(outbox_insert, row)


def _ticket_values(r: RequestDispatch) -> dict[str, Any]:
    q = r.qualification
    return {
        "id": r.ticket_id,
        "call_id": r.call_id,
        "state": TicketState.PENDING.value,
        "incident_type": q.incident_type,
        "priority": q.priority,
        "qualification": asdict(q),
        "created_by": r.by,
        "created_at": r.at,
        "sent_at": None,
        "escalated_at": None,
        "unit": None,
        "acknowledged_by": None,
        "acknowledged_at": None,
        "recorded_at": None,
    }


def ticket_from_row(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        call_id=row.call_id,
        qualification=Qualification(**row.qualification),
        created_at=row.created_at,
        state=TicketState(row.state),
        created_by=row.created_by,
        sent_at=row.sent_at,
        escalated_at=row.escalated_at,
        unit=row.unit,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
    )


def ticket_of_request(r: RequestDispatch) -> Ticket:
    """The ticket a request writes, as stored (for publishing it without reading it back)."""
    return Ticket(
        id=r.ticket_id,
        call_id=r.call_id,
        qualification=r.qualification,
        created_at=r.at,
        created_by=r.by,
    )


@functools.cache
def _mark_sent_statements() -> tuple[Any, Any]:
    at = bindparam("p_at", type_=OUTBOX.c.sent_at.type)
    ticket = bindparam("p_ticket", type_=OUTBOX.c.ticket_id.type)
    return (
        update(OUTBOX)
        .where(OUTBOX.c.ticket_id == ticket, OUTBOX.c.sent_at.is_(None))
        .values(sent_at=at, stream_id=bindparam("p_stream_id"), last_error=None),
        update(TICKETS)
        .where(TICKETS.c.id == ticket, TICKETS.c.state == TicketState.PENDING.value)
        .values(state=TicketState.SENT.value, sent_at=at),
    )


@functools.cache
def _mark_sent_in_one() -> Any:
    """PostgreSQL: both updates in one statement, the count of outbox rows it marked.

    One statement is atomic on its own: run without BEGIN/COMMIT it is one round trip where the
    transaction took four (the relay does this after every publish)."""
    row_sent, ticket_sent = _mark_sent_statements()
    marked = row_sent.returning(OUTBOX.c.id).cte("row_sent")
    return (
        select(func.count())
        .select_from(marked)
        .add_cte(ticket_sent.returning(TICKETS.c.id).cte("ticket_sent"))
    )


@dataclass(frozen=True)
class OutboxRow:
    id: int
    ticket: Ticket


class Outbox:
    """The relay's view of the outbox table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def unsent(self, limit: int = 100) -> list[OutboxRow]:
        """Rows waiting to go out, oldest first, with their tickets."""
        query = (
            select(OUTBOX.c.id.label("row_id"), TICKETS)
            .join(TICKETS, TICKETS.c.id == OUTBOX.c.ticket_id)
            .where(OUTBOX.c.sent_at.is_(None))
            .order_by(OUTBOX.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [OutboxRow(r.row_id, ticket_from_row(r)) for r in await conn.execute(query)]

    async def mark_sent(self, ticket_id: str, stream_id: str | None, at: datetime) -> bool:
        """The row went out: record it, and move a still-pending ticket to ``sent``. Returns
        whether the row was waiting (False: sent before, e.g. an amendment published again;
        the first sending's time and stream id are kept)."""
        params = {"p_ticket": ticket_id, "p_stream_id": stream_id, "p_at": at}
        if self.engine.dialect.name == "postgresql":
            async with self.engine.connect() as conn:
                one = await conn.execution_options(isolation_level="AUTOCOMMIT")
                return bool((await one.execute(_mark_sent_in_one(), params)).scalar_one() == 1)
        row_sent, ticket_sent = _mark_sent_statements()
        async with self.engine.begin() as conn:
            first = await conn.execute(row_sent, params)
            await conn.execute(ticket_sent, params)
        return bool(first.rowcount == 1)

    async def mark_failed(self, ticket_id: str, error: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.ticket_id == ticket_id)
                .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:200])
            )

    async def requeue_open(self) -> int:
        """Mark every sent row of a ticket nobody acknowledged as unsent again.

        For a stream that lost its contents (a Redis restarted without persistence): the relay
        publishes those tickets again; the published marker and the consumers' dedupe by ticket
        id keep them off a dispatcher's view twice.
        """
        open_ids = select(TICKETS.c.id).where(
            TICKETS.c.state.in_([s.value for s in OPEN_TICKET_STATES])
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.sent_at.is_not(None), OUTBOX.c.ticket_id.in_(open_ids))
                .values(sent_at=None)
            )
            return int(result.rowcount)

    async def backlog(self) -> int:
        """How many rows wait to go out."""
        query = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.sent_at.is_(None))
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())
