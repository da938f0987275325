"""Callers first: work a caller waits on holds back, for a bounded time, work that can wait.

A FastAGI session holds a caller in silence until it answers (route, priority); recording the
decision can come a little later. Under a burst (60 callers at once) both share one event loop:
recorded as they come, each answer waited for the recordings of the callers before it
(``bench/agi_burst.py``: the recording was two thirds of the server's CPU per session). With this
gate the runner starts a batch only when no answer has been in progress for ``settle`` seconds,
or after ``max_hold`` seconds at most, then takes everything waiting in one batch (cheaper per
event). The order of events is not changed, only the moment they are applied.

Wired in ``callcenter agi`` only (``assembly/agi.py``), whose runner does nothing but record
decisions. The room's runner also feeds the live screens: holding it delayed them by 10-20 ms at
p99 in ``bench/burst_bench.py`` without making the answers faster, so it never holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

MAX_HOLD = 0.1  # seconds: a burst of 60 is answered in less on two shared cores
SETTLE = 0.01  # seconds without any answer in progress before the recordings go


@dataclass
class GateStats:
    held: int = 0  # batches that waited for answers to finish
    held_seconds_max: float = 0.0
    cut_short: int = 0  # waits ended by ``max_hold``, answers still in progress


class CallersFirst:
    def __init__(self, max_hold: float = MAX_HOLD, settle: float = SETTLE) -> None:
        self.max_hold = max_hold
        self.settle = min(settle, max_hold)
        self.stats = GateStats()
        self._answering = 0
        self._last_end = float("-inf")  # monotonic time the last answer ended
        self._idle: asyncio.Event | None = None  # made on first use, in the running loop

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around the work a caller waits on (a FastAGI route)."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1
            self._last_end = time.monotonic()
            if self._answering == 0 and self._idle is not None:
                self._idle.set()

    @property
    def busy(self) -> bool:
        return self._answering > 0

    async def wait_turn(self) -> None:
        """Return when no answer has been in progress for ``settle`` seconds (a burst's callers
        connect over a few milliseconds: the first answered must not open the door to the
        recordings while the next are arriving), or after ``max_hold`` seconds."""
        started = time.monotonic()
        if not self._answering and started - self._last_end >= self.settle:
            return
        if self._idle is None:
            self._idle = asyncio.Event()
        self.stats.held += 1
        deadline = started + self.max_hold
        while (now := time.monotonic()) < deadline:
            if self._answering:
                self._idle.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(deadline - now):
                        await self._idle.wait()
            elif now - self._last_end < self.settle:
                await asyncio.sleep(min(self._last_end + self.settle, deadline) - now)
            else:
                break
        else:
            self.stats.cut_short += 1
        self.stats.held_seconds_max = max(self.stats.held_seconds_max, time.monotonic() - started)
