"""Incidents in the database: the calls sharing a ``calls.incident_id`` (revision 0009).

An incident has no row of its own: it is exactly its calls, so it can never disagree with them.
``open_incidents`` reads every incident with a call that rang since a cut-off (two queries);
``incident`` one incident's calls, oldest first; ``callers`` how many calls report the incident
of each of some calls (one query), for the dispatchers' tickets. Reads only: calls join
incidents through the pipeline (``CallAttached``), never here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.domain.dispatch import Ticket
from callcenter.domain.incidents import Incident, Report
from callcenter.storage.outbox import TICKETS, ticket_from_row
from callcenter.storage.store import CALLS

OPEN_LIMIT = 2000  # calls read at most for the open incidents (60 calls at once, an hour)


def report_from_row(row: Any) -> Report:
    """What a stored call says of its event (its qualification, if any; it rang at ``at``)."""
    q = row.qualification or {}
    return Report(
        call_id=row.id,
        at=row.rang_at,
        caller_e164=row.caller_e164,
        incident_type=q.get("incident_type"),
        address=str(q.get("address") or ""),
        latitude=q.get("latitude"),
        longitude=q.get("longitude"),
    )


def _incident(incident_id: str, rows: Sequence[Any], tickets: Sequence[Ticket]) -> Incident:
    ticket = next((t for t in tickets if t.unit is None), tickets[-1] if tickets else None)
    priority = next(
        (r.priority for r in rows if r.priority), ticket.qualification.priority if ticket else None
    )
    return Incident(
        id=incident_id,
        reports=tuple(report_from_row(r) for r in rows),
        priority=priority,
        ticket_id=ticket.id if ticket else None,
        ticket_state=ticket.state.value if ticket else None,
    )


class IncidentStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def open_incidents(self, since: datetime) -> list[Incident]:
        """Incidents with a call that rang at or after ``since``, each with all its calls
        (oldest first) and its ticket; the most recent incidents first."""
        recent = (
            select(CALLS.c.incident_id)
            .where(CALLS.c.incident_id.is_not(None), CALLS.c.rang_at >= since)
            .distinct()
        )
        query = (
            select(CALLS)
            .where(CALLS.c.incident_id.in_(recent))
            .order_by(CALLS.c.rang_at, CALLS.c.id)
            .limit(OPEN_LIMIT)
        )
        async with self.engine.connect() as conn:
            rows = list(await conn.execute(query))
            tickets = await self._tickets(conn, [r.id for r in rows])
        return self._group(rows, tickets)

    async def incident(self, incident_id: str) -> tuple[Incident, list[dict[str, Any]]] | None:
        """The incident and its calls' rows (oldest first), or None if no call reports it."""
        query = select(CALLS).where(CALLS.c.incident_id == incident_id).order_by(CALLS.c.rang_at)
        async with self.engine.connect() as conn:
            rows = list(await conn.execute(query))
            if not rows:
                return None
            tickets = await self._tickets(conn, [r.id for r in rows])
        found = self._group(rows, tickets)
        return found[0], [dict(r._mapping) for r in rows]

    async def callers(self, call_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """``(incident_id, calls reporting it)`` for each of ``call_ids`` in an incident."""
        if not call_ids:
            return {}
        mine = select(CALLS.c.id, CALLS.c.incident_id).where(
            CALLS.c.id.in_(list(set(call_ids))), CALLS.c.incident_id.is_not(None)
        )
        async with self.engine.connect() as conn:
            own = {cid: iid for cid, iid in await conn.execute(mine)}
            if not own:
                return {}
            counts = select(CALLS.c.incident_id, func.count()).where(
                CALLS.c.incident_id.in_(set(own.values()))
            )
            totals = {
                iid: int(n) for iid, n in await conn.execute(counts.group_by(CALLS.c.incident_id))
            }
        return {cid: (iid, totals.get(iid, 1)) for cid, iid in own.items()}

    @staticmethod
    async def _tickets(conn: Any, call_ids: list[str]) -> dict[str, list[Ticket]]:
        found: dict[str, list[Ticket]] = defaultdict(list)
        if not call_ids:
            return found
        query = (
            select(TICKETS).where(TICKETS.c.call_id.in_(call_ids)).order_by(TICKETS.c.created_at)
        )
        for row in await conn.execute(query):
            found[row.call_id].append(ticket_from_row(row))
        return found

    @staticmethod
    def _group(rows: Sequence[Any], tickets: dict[str, list[Ticket]]) -> list[Incident]:
        members: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            members[row.incident_id].append(row)
        incidents = [
            _incident(
                iid,
                calls,
                sorted(
                    (t for c in calls for t in tickets.get(c.id, [])), key=lambda t: t.created_at
                ),
            )
            for iid, calls in members.items()
        ]
        incidents.sort(key=lambda i: (i.last_at, i.id), reverse=True)
        return incidents
