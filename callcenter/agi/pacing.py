"""Pacing of the FastAGI server: one channel may not ask again faster than the retry wait.

The overflow path of ``dialplans/extensions.conf`` asks callcenter again every
``OVERFLOW_RETRY_WAIT`` seconds (``Wait()`` paces the loop). A dialplan that lost its pacing
(an application that fails returns at once: a missing music-on-hold class, a missing prompt, a
full queue) would ask in a tight loop: on a real Asterisk 20 one caller made 1,341 rounds in
11 s. ``RetryPacer`` is the server's own guard against that: a channel (its ``agi_uniqueid``)
that asks again sooner than ``min_interval`` seconds after its last admitted session is
refused, and the server answers nothing (the dialplan's own default, set before ``AGI()``,
stands: ``CALLCENTER_ROUTE=queue``), without any lookup. A refused ask does not restart the
interval, so a spinning channel still gets one real decision per interval.

Memory is bounded: entries older than the interval are forgotten, and at most ``max_entries``
channels are remembered (the oldest go first).
"""

from __future__ import annotations

from collections import OrderedDict


class RetryPacer:
    def __init__(self, min_interval: float, *, max_entries: int = 10_000) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.max_entries = max_entries
        self._last: OrderedDict[str, float] = OrderedDict()  # admitted sessions, oldest first

    def admit(self, key: str, now: float) -> bool:
        """True if ``key`` may be served at ``now`` (and remember it); False: too soon."""
        self._forget(now)
        if not key:
            return True  # nothing to recognise the channel by: never refused
        last = self._last.get(key)
        if last is not None and now - last < self.min_interval:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self.max_entries:
            self._last.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._last)

    def _forget(self, now: float) -> None:
        while self._last:
            key, at = next(iter(self._last.items()))
            if now - at < self.min_interval:
                return
            del self._last[key]
