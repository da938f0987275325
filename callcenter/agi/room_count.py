"""The room's occupancy as the store last counted it, shared by the FastAGI sessions.

One room query at a time, whatever the number of sessions asking (``snapshot``); the callers
that come within ``ROOM_FRESH_SECONDS`` of its start use its answer as is (``reuse``), and the
newest answer stands in for a late store for ``ROOM_MEMORY_SECONDS`` (``remembered``).

Sharing and reusing are safe because of the ledger (``admission.py``): a snapshot begun before
a session's admission still counts that admission (the snapshot does not know the call, the
ledger does). What a snapshot cannot know is what changed in the store by another path since it
began: a call that ended (one caller too many counted: overflow where a place had just come
free) or one let in without this server (too few: its FastAGI failed open; Asterisk's maxlen
still guards the queue). Under a burst this turns 60 identical queries, and 60 waits for them,
into one or two; an overflow retry always asks afresh, its caller waited for a place to free.
"""

from __future__ import annotations

import asyncio
from functools import partial

from callcenter.agi.admission import RoomLedger
from callcenter.agi.lookups import EntryLookups, RoomSnapshot

# When the room query is late, the newest snapshot is used if it began at most this long ago.
ROOM_MEMORY_SECONDS = 10.0
# A snapshot this young is used as is, without a query. Far below the ledger's confirm_grace
# (2 s), so the ledger still holds every call let in since it began.
ROOM_FRESH_SECONDS = 0.25


class RoomCounter:
    def __init__(self, lookups: EntryLookups, ledger: RoomLedger) -> None:
        self.lookups = lookups
        self.ledger = ledger
        self._query: asyncio.Future[RoomSnapshot] | None = None
        # (loop time the query began, snapshot): the newest the store gave
        self._last: tuple[float, RoomSnapshot] | None = None

    def snapshot(self, *, reuse: bool = False) -> asyncio.Future[RoomSnapshot]:
        """The room query in flight, or a new one; with ``reuse``, the newest snapshot if it
        began less than ``ROOM_FRESH_SECONDS`` ago."""
        loop = asyncio.get_running_loop()
        idle = self._query is None or self._query.done()
        if reuse and idle and self._last is not None:
            began, snapshot = self._last
            if loop.time() - began <= ROOM_FRESH_SECONDS:
                fresh: asyncio.Future[RoomSnapshot] = loop.create_future()
                fresh.set_result(snapshot)
                return fresh
        if self._query is None or idle:
            query = asyncio.ensure_future(self.lookups.room(self.ledger.pending()))
            query.add_done_callback(partial(self._keep, loop.time()))
            self._query = query
        return self._query

    def remembered(self) -> tuple[RoomSnapshot, float] | None:
        """The newest snapshot and its age in seconds, if younger than ``ROOM_MEMORY_SECONDS``
        (for a store that does not answer in time)."""
        if self._last is None:
            return None
        began, snapshot = self._last
        age = asyncio.get_running_loop().time() - began
        return (snapshot, age) if age <= ROOM_MEMORY_SECONDS else None

    async def aclose(self) -> None:
        """Stop a query still running (a hung store) at shutdown."""
        if self._query is not None and not self._query.done():
            self._query.cancel()
            await asyncio.gather(self._query, return_exceptions=True)

    def _keep(self, started_at: float, query: asyncio.Future[RoomSnapshot]) -> None:
        """The newest snapshot, for when the store is late (a failure is read by the sessions
        that share it: never "never retrieved")."""
        if query.cancelled() or query.exception() is not None:
            return
        if self._last is None or self._last[0] < started_at:
            self._last = (started_at, query.result())
