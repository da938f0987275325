"""The room's occupancy as the call-entry decision must see it: the store plus what we just let in.

Many callers arrive within the same second. The store only shows a call once its ``entered``
step has been processed, so 80 simultaneous sessions would all read an empty room. The ledger
remembers every call this process admitted to the queue, for ``ttl`` seconds. A room lookup
asks the store about the ledger's ids too (``pending()``); occupancy is then the store's live
calls plus the admitted calls that this snapshot does not know yet. A call the snapshot knows
is counted as the store says (live, or ended and not counted).

Entries are not dropped the moment a snapshot first knows them: a snapshot started earlier may
be applied a little later and must still count them. They are dropped ``confirm_grace`` seconds
after a snapshot first knew them (snapshots are applied within moments of completing; a loop
stalled longer than that could over-admit those calls, and Asterisk's maxlen still guards the
queue), after ``ttl`` if no snapshot ever knew them (their event was lost), or when the caller
hangs up during the AGI (``release``). This keeps the ids asked about (``pending()``) few.

``admit`` is synchronous: between applying a snapshot and admitting, no other session runs, so
two sessions can never take the last place together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from callcenter.agi.lookups import RoomSnapshot


@dataclass(frozen=True)
class Admission:
    admitted: bool
    occupancy: int  # calls in the room before this one
    capacity: int


class RoomLedger:
    def __init__(
        self,
        capacity: int,
        *,
        ttl: float = 30.0,
        confirm_grace: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.ttl = ttl
        self.confirm_grace = confirm_grace
        self._clock = clock
        # Both in the order of their times (the clock never goes back), so expiry reads only
        # the oldest entries: an admission costs the same with 600 callers in the ledger as with 6.
        self._admitted: dict[str, float] = {}  # call id -> when admitted
        self._confirmed: dict[str, float] = {}  # call id -> when a snapshot first knew it
        self._applied: RoomSnapshot | None = None  # the snapshot last counted against
        self._known_admitted = 0  # admitted ids that snapshot knows
        self._known_since_applied: list[str] = []  # admitted since, and known to it

    def pending(self) -> frozenset[str]:
        """The admitted ids a room lookup must ask the store about."""
        self._expire(self._clock())
        return frozenset(self._admitted)

    def admit(self, call_id: str, snapshot: RoomSnapshot) -> Admission:
        """Count the room from ``snapshot`` and the ledger; admit ``call_id`` if there is a
        place."""
        now = self._clock()
        self._apply(snapshot, now)
        self._expire(now)
        # The store's live calls, plus the admitted calls this snapshot does not know (live
        # ids are known ids, so the two never overlap), the caller itself left out.
        unseen = len(self._admitted) - self._known_admitted
        occupancy = len(snapshot.live_ids) + unseen
        if call_id in snapshot.live_ids or (
            call_id in self._admitted and call_id not in snapshot.known_ids
        ):
            occupancy -= 1
        admitted = occupancy < self.capacity
        if admitted:
            if self._admitted.pop(call_id, None) is not None:  # asking again: to the end
                self._admitted[call_id] = now
            else:
                self._admitted[call_id] = now
                if call_id in snapshot.known_ids:
                    self._known_admitted += 1
                    self._known_since_applied.append(call_id)
        return Admission(admitted=admitted, occupancy=occupancy, capacity=self.capacity)

    def release(self, call_id: str) -> None:
        """The admitted caller hung up during the AGI, before joining the queue."""
        self._remove(call_id)

    def _apply(self, snapshot: RoomSnapshot, now: float) -> None:
        """Note which admitted ids ``snapshot`` knows: all of them once per new snapshot (a
        burst's sessions share one), else only those admitted since it was last applied."""
        if snapshot is self._applied:
            for call_id in self._known_since_applied:
                if call_id in self._admitted:
                    self._confirmed.setdefault(call_id, now)
            self._known_since_applied.clear()
            return
        self._applied = snapshot
        self._known_since_applied.clear()
        self._known_admitted = 0
        for call_id in self._admitted:
            if call_id in snapshot.known_ids:
                self._known_admitted += 1
                self._confirmed.setdefault(call_id, now)

    def _remove(self, call_id: str) -> None:
        if self._admitted.pop(call_id, None) is not None and self._applied is not None:
            self._known_admitted -= call_id in self._applied.known_ids
        self._confirmed.pop(call_id, None)

    def _expire(self, now: float) -> None:
        for entries, keep in ((self._admitted, self.ttl), (self._confirmed, self.confirm_grace)):
            while entries:
                call_id, at = next(iter(entries.items()))
                if at >= now - keep:
                    break
                self._remove(call_id)
