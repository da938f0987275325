"""What the call-entry decision reads from the system of record, behind a small port.

``EntryLookups`` is the port (tests put a slow or broken one behind it); ``StoreLookups`` reads
the ``calls`` table with two indexed queries (revision 0004). Neither method has its own
deadline: the caller (``qualify``) runs them under the AGI budget. Both answer for many
sessions at once (``qualify`` shares one query between the sessions in flight, see
``batching.py``): the repeat-caller lookup takes a set of numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import String, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.storage.tables import CallRecord

CALLS = CallRecord.__table__  # type: ignore[attr-defined]

# A call in one of these states, with someone still on the line, takes a place in the room.
ROOM_STATES = ("ringing", "queued", "offered", "answered", "qualified")


@dataclass(frozen=True)
class PriorCall:
    """An earlier call from the same number."""

    id: str
    rang_at: datetime | None
    state: str
    outcome: str | None

    @property
    def abandoned(self) -> bool:
        return self.state == "abandoned" or self.outcome == "abandoned"


@dataclass(frozen=True)
class RoomSnapshot:
    """Calls taking a place in the room now, and which of the asked-about ids the store knows."""

    live_ids: frozenset[str]
    known_ids: frozenset[str]


class EntryLookups(Protocol):
    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        """Each number's calls that rang since ``since``, newest first, at most ``limit`` each
        (a number without any may be left out)."""
        ...

    async def room(self, pending: Collection[str]) -> RoomSnapshot: ...


class StoreLookups:
    """``EntryLookups`` on the calls table (SQLite or PostgreSQL).

    The statements are built once, each with one parameter for its list of numbers or ids: on
    PostgreSQL an array (``= ANY(:ids)``: one prepared statement whatever the list's length), on
    SQLite an expanding ``IN``. Built per call, with the list inlined, compiling them cost more
    CPU than running them (py-spy on ``bench/agi_burst.py``). Each runs alone in autocommit:
    a single SELECT needs no transaction around it (two round trips fewer on PostgreSQL).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # One SELECT each, read-only: no BEGIN/ROLLBACK round trips around it.
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._any = engine.dialect.name == "postgresql"
        self._by_numbers = self._calls_since_statement(self._among(CALLS.c.caller_e164, "numbers"))
        self._everyone = self._calls_since_statement(CALLS.c.caller_e164.is_not(None))
        live = and_(CALLS.c.line_ended.is_(False), CALLS.c.state.in_(ROOM_STATES))
        self._room = select(CALLS.c.id, live.label("live")).where(
            or_(live, self._among(CALLS.c.id, "pending"))
        )

    def _among(self, column: Any, name: str) -> Any:
        if self._any:
            return column == any_(bindparam(name, type_=ARRAY(String)))
        return column.in_(bindparam(name, expanding=True))

    @staticmethod
    def _calls_since_statement(which: Any) -> Any:
        newest = (
            func.row_number()
            .over(partition_by=CALLS.c.caller_e164, order_by=CALLS.c.rang_at.desc())
            .label("n")
        )
        ranked = (
            select(
                CALLS.c.id,
                CALLS.c.caller_e164,
                CALLS.c.rang_at,
                CALLS.c.state,
                CALLS.c.outcome,
                newest,
            )
            .where(which, CALLS.c.rang_at >= bindparam("since"))
            .subquery()
        )
        return select(ranked).where(ranked.c.n <= bindparam("limit")).order_by(ranked.c.n)

    async def prior_calls(
        self, numbers: Collection[str], since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        if not numbers:
            return {}
        return await self._calls_since(
            self._by_numbers, {"numbers": list(numbers), "since": since, "limit": limit}
        )

    async def recent_calls(
        self, since: datetime, limit: int = 20
    ) -> Mapping[str, Sequence[PriorCall]]:
        """Every number's calls since ``since`` (the recent callers' memory, at start)."""
        return await self._calls_since(self._everyone, {"since": since, "limit": limit})

    async def _calls_since(self, query: Any, params: dict[str, Any]) -> dict[str, list[PriorCall]]:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(query, params)).all()
        found: dict[str, list[PriorCall]] = {}
        for r in rows:
            found.setdefault(r.caller_e164, []).append(
                PriorCall(id=r.id, rang_at=r.rang_at, state=r.state, outcome=r.outcome)
            )
        return found

    async def room(self, pending: Collection[str]) -> RoomSnapshot:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(self._room, {"pending": list(pending)})).all()
        return RoomSnapshot(
            live_ids=frozenset(r.id for r in rows if r.live),
            known_ids=frozenset(r.id for r in rows),
        )

    async def warm(self, since: datetime) -> Mapping[str, Sequence[PriorCall]]:
        """At start: the recent callers since ``since`` for the route's memory, and the
        per-session queries run once (opening the pool's connections, compiling the SQL), so
        that the first burst after start does not pay for it."""
        recent, _, _ = await asyncio.gather(
            self.recent_calls(since), self.prior_calls(["+0"], since, 1), self.room(["warm-up"])
        )
        return recent
