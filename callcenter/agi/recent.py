"""Callers this process has just seen, so a caller who redials at once is linked at once.

The store learns of a call only when its ``entered`` step has been applied, which can lag
behind the AGI by the sink's backlog during a burst. The repeat-caller lookup merges the store's
answer with this memory (the store's rows win: they know the outcome). Bounded: entries older
than the window are dropped, at most ``per_number`` per number and ``max_numbers`` numbers.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from callcenter.agi.lookups import PriorCall


class RecentCallers:
    def __init__(
        self, window: timedelta, *, per_number: int = 20, max_numbers: int = 50_000
    ) -> None:
        self.window = window
        self.per_number = per_number
        self.max_numbers = max_numbers
        self._calls: OrderedDict[str, deque[tuple[str, datetime]]] = OrderedDict()

    def seen(self, e164: str, call_id: str, at: datetime) -> None:
        calls = self._calls.setdefault(e164, deque(maxlen=self.per_number))
        if all(known != call_id for known, _ in calls):
            calls.append((call_id, at))
        self._calls.move_to_end(e164)
        while len(self._calls) > self.max_numbers:
            self._calls.popitem(last=False)

    def earlier(self, e164: str, since: datetime, exclude: str) -> list[PriorCall]:
        calls = self._calls.get(e164, ())
        return [
            PriorCall(id=call_id, rang_at=at, state="ringing", outcome=None)
            for call_id, at in reversed(calls)
            if at >= since and call_id != exclude
        ]


def merge(stored: Sequence[PriorCall], recent: Sequence[PriorCall]) -> list[PriorCall]:
    """The store's rows, plus the recent calls it does not know yet; newest first."""
    known = {p.id for p in stored}
    merged = [*stored, *(p for p in recent if p.id not in known)]
    return sorted(merged, key=lambda p: (p.rang_at is not None, p.rang_at), reverse=True)
