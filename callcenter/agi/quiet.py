"""Warnings that a burst would repeat for every session: at most one a second of each kind.

When the store is down or the loop overloaded, the same warning would be written for each of 60
(or 600) sessions at once: writing them costs the sessions time the budget does not have, and
the log says nothing more (the server's and the route's stats count every one).
``Quiet.warning(kind, msg, *args)`` writes the first of a kind, then at most one per
``interval`` seconds, saying how many it left out since the last one written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class Quiet:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}  # kind -> when one was last written
        self._left_out: dict[str, int] = {}

    def warning(self, kind: str, msg: str, *args: object) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return
        self._last[kind] = now
        left_out = self._left_out.pop(kind, 0)
        if left_out and last is not None:
            msg += " (%d more like it left out in the last %.1f s)"
            args = (*args, left_out, now - last)
        self.logger.warning(msg, *args)
