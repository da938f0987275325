"""What each part of the call flow needs of the ``Simulator``: narrow protocols, so that the
parts (``dialplan``, ``ringing``, ``conversation``) never import the engine that owns them.

``Flow`` is what they all share: simulated time (``scheduler``, ``now``, ``wall``,
``clock_sync``), the AMI reporter, the options and the room's phones and channels; each part
adds the few calls back into the engine it makes (the engine decides what they do).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Protocol

from callcenter.sim.calls import Call
from callcenter.sim.channels import Channel, EventStream
from callcenter.sim.clock import Scheduler
from callcenter.sim.options import SimOptions, Tally
from callcenter.sim.queue import Queue
from callcenter.sim.reporting import Reporter


class Flow(Protocol):
    scheduler: Scheduler
    stream: EventStream
    report: Reporter
    options: SimOptions
    rng: random.Random
    clock_sync: Callable[[], None]
    channels: dict[str, tuple[Channel, Call]]
    phones: dict[str, Call]  # interface -> the call it rings for or talks to
    manual: set[str]

    @property
    def now(self) -> float: ...

    def wall(self) -> int: ...

    def queue(self, name: str) -> Queue: ...

    def distribute(self, q: Queue) -> None: ...

    def caller_hangup(self, call: Call) -> None: ...


class RingingFlow(Flow, Protocol):
    """``ringing.py``: a simulated operator picks up through ``answer``."""

    def answer(self, call: Call) -> None: ...


class ConversationFlow(Flow, Protocol):
    """``conversation.py``: the seat's hang-up (``end_talk``) and the call's end (``finish``)."""

    def end_talk(self, call: Call, by: str) -> None: ...

    def finish(self, call: Call) -> None: ...


class DialplanFlow(Flow, Protocol):
    """``dialplan.py``: a new caller's channels, its FastAGI session, then the queue."""

    queues: dict[str, Queue]
    calls: dict[str, Call]
    tally: Tally

    @property
    def has_agi(self) -> bool: ...

    def start_agi(self, call: Call) -> asyncio.Future[None] | None: ...

    def track(self, future: asyncio.Future[None]) -> None: ...

    def join(self, call: Call) -> None: ...
