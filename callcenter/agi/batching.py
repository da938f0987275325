"""One repeat-caller query for all the sessions in flight, instead of one per session.

When the room fills in a second, 60 sessions want their caller's earlier calls at once; 60
queries (each a pool checkout, a statement, a thread hop on SQLite) cost more than the answers
themselves and queued the last callers past the dialplan's budget. ``PriorCallsBatcher.ask``
returns a future per session; one query runs at a time, for every number asked since the
previous one began (self-clocking: an idle room asks at once, a burst shares a few queries).

Every answer is as fresh as a query of its own would be: a session's number is only ever looked
up by a query that started after the session asked. A session that stops waiting (its budget
ran out) cancels its own future, never the query the others share. A failed query fails the
futures of its batch with its exception (each session notes it and decides with defaults).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from callcenter.agi.lookups import EntryLookups, PriorCall

log = logging.getLogger(__name__)

Waiter = tuple[datetime, "asyncio.Future[list[PriorCall]]"]


class PriorCallsBatcher:
    def __init__(self, lookups: EntryLookups, *, limit: int = 20) -> None:
        self.lookups = lookups
        self.limit = limit
        self.queries = 0  # how many queries ran (for tests and benches)
        self._waiting: dict[str, list[Waiter]] = {}
        self._worker: asyncio.Task[None] | None = None

    def ask(self, e164: str, since: datetime) -> asyncio.Future[list[PriorCall]]:
        """The calls from ``e164`` that rang since ``since``, newest first."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[PriorCall]] = loop.create_future()
        future.add_done_callback(_consume)
        self._waiting.setdefault(e164, []).append((since, future))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(), name="prior-calls")
        return future

    async def aclose(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for waiters in self._waiting.values():
            for _, future in waiters:
                future.cancel()
        self._waiting.clear()

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            batch = {
                number: live
                for number, waiters in batch.items()
                if (live := [w for w in waiters if not w[1].done()])
            }
            if not batch:
                continue
            since = min(at for waiters in batch.values() for at, _ in waiters)
            self.queries += 1
            try:
                found = await self.lookups.prior_calls(list(batch), since, self.limit)
            except asyncio.CancelledError:
                for waiters in batch.values():
                    for _, future in waiters:
                        future.cancel()
                raise
            except Exception as exc:
                for waiters in batch.values():
                    for _, future in waiters:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for number, waiters in batch.items():
                rows = found.get(number, ())
                for at, future in waiters:
                    if not future.done():
                        future.set_result(_since(rows, at))


def _since(rows: Sequence[PriorCall], at: datetime) -> list[PriorCall]:
    return [r for r in rows if r.rang_at is None or r.rang_at >= at]


def _consume(future: asyncio.Future[list[PriorCall]]) -> None:
    """A failure is read by the session if it still waits; never "never retrieved"."""
    if not future.cancelled():
        future.exception()
