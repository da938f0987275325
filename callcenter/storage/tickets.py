"""Dispatch tickets and field units in the database: reads, acknowledgement, escalation.

Promises: ``acknowledge`` takes a ticket for one unit at most once (a second console asking
for another unit gets ``TicketAlreadyAcknowledgedError``; the same console repeating itself
gets the same ticket back) and marks the unit busy in the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.dispatch import (
    OPEN_TICKET_STATES,
    Ticket,
    TicketState,
    Unit,
    UnitKind,
    UnitStatus,
)
from callcenter.errors import (
    TicketAlreadyAcknowledgedError,
    TicketNotFoundError,
    UnitNotAvailableError,
    UnitNotFoundError,
)
from callcenter.storage.dispatch_tables import FieldUnitRecord
from callcenter.storage.outbox import TICKETS, ticket_from_row
from callcenter.storage.store import CALLS

UNITS = FieldUnitRecord.__table__  # type: ignore[attr-defined]
_OPEN = [s.value for s in OPEN_TICKET_STATES]


def unit_from_row(row: Any) -> Unit:
    return Unit(
        id=row.id,
        kind=UnitKind(row.kind),
        status=UnitStatus(row.status),
        latitude=row.latitude,
        longitude=row.longitude,
        position_at=row.position_at,
        ticket_id=row.ticket_id,
    )


@functools.cache
def _states_query() -> Any:
    ids: Any = bindparam("ids", expanding=True)
    return select(TICKETS.c.id, TICKETS.c.state).where(TICKETS.c.id.in_(ids))


class TicketStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, ticket_id: str) -> Ticket | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id))).first()
            return ticket_from_row(row) if row else None

    async def states(self, ticket_ids: Sequence[str]) -> dict[str, TicketState]:
        """The state of each known ticket among ``ticket_ids``.

        A console asks before it shows what it read from the stream: on PostgreSQL the one
        SELECT runs without BEGIN/ROLLBACK (one round trip, not three)."""
        if not ticket_ids:
            return {}
        async with self.engine.connect() as conn:
            if self.engine.dialect.name == "postgresql":
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            rows = await conn.execute(_states_query(), {"ids": list(ticket_ids)})
            return {i: TicketState(s) for i, s in rows}

    async def many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        if not ticket_ids:
            return {}
        query = select(TICKETS).where(TICKETS.c.id.in_(list(ticket_ids)))
        async with self.engine.connect() as conn:
            return {row.id: ticket_from_row(row) for row in await conn.execute(query)}

    async def open_tickets(self, *, visible_only: bool = False, limit: int = 500) -> list[Ticket]:
        """Tickets nobody acknowledged yet, most urgent first (``visible_only``: already sent)."""
        states = [s for s in _OPEN if not (visible_only and s == TicketState.PENDING.value)]
        query = (
            select(TICKETS)
            .where(TICKETS.c.state.in_(states))
            .order_by(TICKETS.c.priority, TICKETS.c.created_at, TICKETS.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [ticket_from_row(row) for row in await conn.execute(query)]

    async def callers(self, call_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """``(caller_e164, seat)`` of each known call among ``call_ids`` (one query)."""
        if not call_ids:
            return {}
        query = select(CALLS.c.id, CALLS.c.caller_e164, CALLS.c.seat).where(
            CALLS.c.id.in_(list(set(call_ids)))
        )
        async with self.engine.connect() as conn:
            return {i: (caller, seat) for i, caller, seat in await conn.execute(query)}

    async def for_call(self, call_id: str) -> list[Ticket]:
        query = select(TICKETS).where(TICKETS.c.call_id == call_id).order_by(TICKETS.c.created_at)
        async with self.engine.connect() as conn:
            return [ticket_from_row(row) for row in await conn.execute(query)]

    async def for_incident(self, incident_id: str) -> list[Ticket]:
        """The tickets of every call reporting the incident (``calls.incident_id``), oldest
        first: one incident, one ticket (``HandoffService``)."""
        calls = select(CALLS.c.id).where(CALLS.c.incident_id == incident_id)
        query = select(TICKETS).where(TICKETS.c.call_id.in_(calls)).order_by(TICKETS.c.created_at)
        async with self.engine.connect() as conn:
            return [ticket_from_row(row) for row in await conn.execute(query)]

    async def acknowledge(self, ticket_id: str, unit: str, by: str, at: datetime) -> Ticket:
        """Record that ``by`` sent ``unit`` on the ticket; the unit becomes busy (see ``take``)."""
        ticket, _taken = await self.take(ticket_id, unit, by, at)
        return ticket

    async def take(self, ticket_id: str, unit: str, by: str, at: datetime) -> tuple[Ticket, bool]:
        """Record that ``by`` sent ``unit`` on the ticket; the unit becomes busy. Returns the
        ticket and whether this call took it (False: the same acknowledgement, repeated).

        Writes first, then reads: the transaction holds the write lock from its first
        statement (on SQLite a read that later wants to write can fail at once when another
        connection wrote meanwhile), and a conditional update settles any race between two
        consoles for the ticket, or between two tickets for the unit.
        """
        async with self.engine.begin() as conn:
            taken = await conn.execute(
                update(TICKETS)
                .where(TICKETS.c.id == ticket_id, TICKETS.c.state.in_(_OPEN))
                .values(
                    state=TicketState.ACKNOWLEDGED.value,
                    unit=unit,
                    acknowledged_by=by,
                    acknowledged_at=at,
                )
            )
            if taken.rowcount != 1:
                row = (await conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id))).first()
                if row is None:
                    raise TicketNotFoundError(ticket_id)
                if row.unit == unit:
                    return ticket_from_row(row), False  # the same acknowledgement, repeated
                raise TicketAlreadyAcknowledgedError(ticket_id, row.unit, row.acknowledged_by)
            booked = await conn.execute(
                update(UNITS)
                .where(UNITS.c.id == unit, UNITS.c.status == UnitStatus.AVAILABLE.value)
                .values(status=UnitStatus.BUSY.value, ticket_id=ticket_id)
            )
            if booked.rowcount != 1:  # raising rolls the ticket back as well
                unit_row = (await conn.execute(select(UNITS).where(UNITS.c.id == unit))).first()
                if unit_row is None:
                    raise UnitNotFoundError(unit)
                raise UnitNotAvailableError(unit, unit_row.status)
            row = (await conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id))).one()
            return ticket_from_row(row), True

    async def unrecorded(self, limit: int = 100) -> list[Ticket]:
        """Acknowledged tickets whose ``handed_off`` step is not on the timeline yet."""
        query = (
            select(TICKETS)
            .where(
                TICKETS.c.state == TicketState.ACKNOWLEDGED.value, TICKETS.c.recorded_at.is_(None)
            )
            .order_by(TICKETS.c.acknowledged_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [ticket_from_row(row) for row in await conn.execute(query)]

    async def mark_recorded(self, ticket_id: str, at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(TICKETS)
                .where(TICKETS.c.id == ticket_id, TICKETS.c.recorded_at.is_(None))
                .values(recorded_at=at)
            )

    async def due_for_escalation(self, created_before: datetime) -> list[Ticket]:
        """Open tickets created before the cut-off and not escalated yet."""
        query = (
            select(TICKETS)
            .where(
                TICKETS.c.state.in_([TicketState.PENDING.value, TicketState.SENT.value]),
                TICKETS.c.created_at < created_before,
            )
            .order_by(TICKETS.c.created_at)
        )
        async with self.engine.connect() as conn:
            return [ticket_from_row(row) for row in await conn.execute(query)]

    async def mark_escalated(self, ticket_id: str, at: datetime) -> bool:
        """True if this call moved the ticket to ``escalated`` (False: acknowledged meanwhile)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(TICKETS)
                .where(
                    TICKETS.c.id == ticket_id,
                    TICKETS.c.state.in_([TicketState.PENDING.value, TicketState.SENT.value]),
                )
                .values(state=TicketState.ESCALATED.value, escalated_at=at)
            )
            return bool(result.rowcount == 1)


class UnitStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def all(self) -> list[Unit]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(UNITS).order_by(UNITS.c.id))
            return [unit_from_row(row) for row in rows]

    async def get(self, unit_id: str) -> Unit | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(UNITS).where(UNITS.c.id == unit_id))).first()
            return unit_from_row(row) if row else None

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(UNITS))).scalar_one())

    async def add(self, units: Sequence[Unit]) -> None:
        async with self.engine.begin() as conn:
            for u in units:
                await conn.execute(
                    UNITS.insert().values(
                        id=u.id,
                        kind=u.kind.value,
                        status=u.status.value,
                        latitude=u.latitude,
                        longitude=u.longitude,
                        position_at=u.position_at,
                        ticket_id=u.ticket_id,
                    )
                )

    async def update(self, unit_id: str, **values: Any) -> Unit:
        """Change a unit's status or position (``status``, ``latitude``, ``longitude``...)."""
        clean = {k: (v.value if isinstance(v, UnitStatus) else v) for k, v in values.items()}
        async with self.engine.begin() as conn:
            result = await conn.execute(update(UNITS).where(UNITS.c.id == unit_id).values(**clean))
            if result.rowcount != 1:
                raise UnitNotFoundError(unit_id)
            row = (await conn.execute(select(UNITS).where(UNITS.c.id == unit_id))).one()
            return unit_from_row(row)
