"""The recent callers in memory: what this process saw and what the store last said.

Two uses. The store learns of a call only when its ``entered`` step has been applied, which can
lag behind the AGI by the sink's backlog during a burst: the repeat-caller lookup merges the
store's answer with the calls seen here (the store's rows win: they know the outcome). And when
the store does not answer within the budget (slow, overloaded, down), the decision is taken from
this memory instead of falling back to safe defaults, provided it was loaded from the store at
start (``load``, then ``warm``): every call of the window as the store had it then, kept up to
date with every answer the store gave since (``remember``) and every call seen here (``seen``).
What it can miss: an outcome (an abandon) the store learned since its last answer about that
number, and a call that reached the room without this process (the AMI bridge only). The
decision notes say when it came from memory.

Bounded: at most ``per_number`` calls per number (the newest) and ``max_numbers`` numbers (the
least recently touched go first); ``earlier`` reads only the window.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from callcenter.agi.lookups import PriorCall


class RecentCallers:
    def __init__(
        self, window: timedelta, *, per_number: int = 20, max_numbers: int = 50_000
    ) -> None:
        self.window = window
        self.per_number = per_number
        self.max_numbers = max_numbers
        self.warm = False  # loaded from the store: complete enough to decide from
        self._calls: OrderedDict[str, dict[str, PriorCall]] = OrderedDict()

    def seen(self, e164: str, call_id: str, at: datetime) -> None:
        """A call this process has just let in."""
        calls = self._touch(e164)
        if call_id not in calls:
            calls[call_id] = PriorCall(id=call_id, rang_at=at, state="ringing", outcome=None)
            self._bound(calls)

    def remember(self, e164: str, stored: Iterable[PriorCall]) -> None:
        """What the store has just said about ``e164``'s calls (its rows win)."""
        calls = self._touch(e164)
        for call in stored:
            calls[call.id] = call
        self._bound(calls)

    def load(self, stored: Mapping[str, Sequence[PriorCall]]) -> None:
        """The store's calls of the window, at start: from now on, complete enough."""
        for e164, calls in stored.items():
            self.remember(e164, calls)
        self.warm = True

    def earlier(self, e164: str, since: datetime, exclude: str) -> list[PriorCall]:
        """``e164``'s calls since ``since`` (``exclude`` left out), newest first."""
        calls = self._calls.get(e164, {})
        return sorted(
            (
                c
                for c in calls.values()
                if c.id != exclude and c.rang_at is not None and c.rang_at >= since
            ),
            key=_newest_first,
        )

    def _touch(self, e164: str) -> dict[str, PriorCall]:
        calls = self._calls.setdefault(e164, {})
        self._calls.move_to_end(e164)
        while len(self._calls) > self.max_numbers:
            self._calls.popitem(last=False)
        return calls

    def _bound(self, calls: dict[str, PriorCall]) -> None:
        if len(calls) > self.per_number:
            keep = sorted(calls.values(), key=_newest_first)[: self.per_number]
            calls.clear()
            calls.update((c.id, c) for c in keep)


def _newest_first(call: PriorCall) -> tuple[bool, float]:
    return (call.rang_at is None, -(call.rang_at.timestamp() if call.rang_at else 0.0))


def merge(stored: Sequence[PriorCall], recent: Sequence[PriorCall]) -> list[PriorCall]:
    """The store's rows, plus the recent calls it does not know yet; newest first."""
    known = {p.id for p in stored}
    merged = [*stored, *(p for p in recent if p.id not in known)]
    return sorted(merged, key=lambda p: (p.rang_at is not None, p.rang_at), reverse=True)
