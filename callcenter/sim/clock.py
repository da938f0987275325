"""Simulated time: a scheduler of timers and two ways to drive it.

``Scheduler`` is a plain heap of timers on a float time line (seconds since the simulator
started); ``epoch`` maps it to wall-clock epoch seconds for Uniqueids and ``Timestamp:``.
``VirtualDriver`` jumps from one timer to the next as fast as the event loop allows (tests run
ten simulated minutes in seconds); ``RealtimeDriver`` follows the wall clock multiplied by a
time factor (``factor=60`` plays an hour in a minute). Both wait for the simulator's pending
outside work (FastAGI sessions) before letting simulated time pass it by, so a virtual run
still calls the real AGI server. In real time the AGI runs while time passes, as on a PBX.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Timer:
    __slots__ = ("args", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self, epoch: float) -> None:
        self.epoch = epoch
        self.now = 0.0
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self.on_schedule: Callable[[float], None] | None = None
        self._running = False
        self.errors = 0  # timers that raised: logged and counted, the PBX keeps running

    def at(self, when: float, callback: Callable[..., None], *args: Any) -> Timer:
        timer = Timer(max(when, self.now), callback, args)
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))
        if self.on_schedule is not None:
            self.on_schedule(timer.when)
        return timer

    def after(self, delay: float, callback: Callable[..., None], *args: Any) -> Timer:
        return self.at(self.now + max(delay, 0.0), callback, *args)

    def next_time(self) -> float | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def run_due(self, until: float, limit: int = 10_000) -> int:
        """Run the timers due by ``until`` in order (at most ``limit``); time ends at ``until``.

        Not re-entrant on purpose: a timer's callback that asks to catch up (``clock_sync``)
        is already running at the current simulated instant, so a nested call does nothing.
        """
        if self._running:
            return 0
        self._running = True
        try:
            return self._run_due(until, limit)
        finally:
            self._running = False

    def _run_due(self, until: float, limit: int) -> int:
        count = 0
        while count < limit:
            when = self.next_time()
            if when is None or when > until:
                break
            _, _, timer = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            try:
                timer.callback(*timer.args)
            except Exception:
                self.errors += 1
                log.exception("simulator timer %r failed", timer.callback)
            count += 1
        if count < limit:
            self.now = max(self.now, until)
        return count

    def clear(self) -> None:
        self._heap.clear()

    def wall(self) -> float:
        """Epoch seconds of the current simulated instant."""
        return self.epoch + self.now


class Pending(Protocol):
    """What drivers need from the simulator: its outside work in flight."""

    scheduler: Scheduler
    clock_sync: Callable[[], None]

    async def settle(self) -> None: ...


class VirtualDriver:
    """Runs simulated time as fast as possible, yielding to the event loop between timers."""

    def __init__(self, sim: Pending) -> None:
        self.sim = sim

    async def run_for(self, seconds: float) -> None:
        await self.run_until(self.sim.scheduler.now + seconds)

    async def run_until(self, until: float) -> None:
        sched = self.sim.scheduler
        while True:
            await self.sim.settle()
            when = sched.next_time()
            if when is None or when > until:
                break
            sched.run_due(when, limit=200)
            await asyncio.sleep(0)
        sched.run_due(until)
        await self.sim.settle()

    def now(self) -> float:
        return self.sim.scheduler.now


class RealtimeDriver:
    """Simulated time = wall time since start x ``factor``. ``sync()`` catches up at once."""

    def __init__(self, sim: Pending, factor: float = 1.0) -> None:
        if factor <= 0:
            raise ValueError("time factor must be positive")
        self.sim = sim
        self.factor = factor
        self._start = time.monotonic() - sim.scheduler.now / factor
        self._wake = asyncio.Event()
        sim.scheduler.on_schedule = lambda _when: self._wake.set()
        sim.clock_sync = self.sync

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.factor

    def sync(self) -> None:
        self.sim.scheduler.run_due(self.now())

    async def run(self, stop: asyncio.Event, until: float | None = None) -> None:
        sched = self.sim.scheduler
        while not stop.is_set():
            target = self.now() if until is None else min(self.now(), until)
            sched.run_due(target)
            if until is not None and target >= until:
                break
            when = sched.next_time()
            delay = 0.25 if when is None else max((when - self.now()) / self.factor, 0.0)
            self._wake.clear()
            if delay > 0:
                try:
                    async with asyncio.timeout(min(delay, 0.25)):
                        await self._wake.wait()
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(0)
