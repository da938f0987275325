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
        self._admitted: dict[str, float] = {}  # call id -> when admitted
        self._confirmed: dict[str, float] = {}  # call id -> when a snapshot first knew it

    def pending(self) -> frozenset[str]:
        """The admitted ids a room lookup must ask the store about."""
        self._expire()
        return frozenset(self._admitted)

    def admit(self, call_id: str, snapshot: RoomSnapshot) -> Admission:
        """Count the room from ``snapshot`` and the ledger; admit ``call_id`` if there is a
        place."""
        now = self._clock()
        for known in snapshot.known_ids:
            if known in self._admitted:
                self._confirmed.setdefault(known, now)
        self._expire()
        unseen = {c for c in self._admitted if c not in snapshot.known_ids}
        room = set(snapshot.live_ids) | unseen
        room.discard(call_id)
        occupancy = len(room)
        admitted = occupancy < self.capacity
        if admitted:
            self._admitted[call_id] = self._clock()
        return Admission(admitted=admitted, occupancy=occupancy, capacity=self.capacity)

    def release(self, call_id: str) -> None:
        """The admitted caller hung up during the AGI, before joining the queue."""
        self._admitted.pop(call_id, None)
        self._confirmed.pop(call_id, None)

    def _expire(self) -> None:
        now = self._clock()
        stale = [c for c, at in self._admitted.items() if at < now - self.ttl]
        stale += [c for c, at in self._confirmed.items() if at < now - self.confirm_grace]
        for call_id in stale:
            self._admitted.pop(call_id, None)
            self._confirmed.pop(call_id, None)
