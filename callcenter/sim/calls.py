"""One caller's life in the simulator: what it wants (``CallSpec``) and where it is (``Call``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from callcenter.sim.channels import Channel
from callcenter.sim.clock import Timer
from callcenter.sim.queue import Member


class Outcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"


@dataclass(frozen=True)
class CallSpec:
    """A caller. ``patience``: seconds it waits in the queue before hanging up; ``talk``: the
    conversation length when a simulated operator answers; ``lifetime`` (AMI Originate's
    ``PATIENCE``): the caller hangs up that long after entry whatever happens."""

    number: str
    name: str = ""
    queue: str = "line19"
    patience: float = 120.0
    talk: float = 60.0
    caller_ends: bool = False
    lifetime: float | None = None
    priority: int | None = None
    kind: str = "normal"
    variables: tuple[tuple[str, str], ...] = ()
    originate_action_id: str | None = None


@dataclass(eq=False)
class Call:
    spec: CallSpec
    leg1: Channel
    leg2: Channel
    queue: str
    entered: float
    prio: int = 0
    state: str = "entry"  # entry, agi, queued, overflow, talking, done
    join_time: float | None = None
    join_wall: int = 0
    original_position: int = 0
    member: Member | None = None
    ring_start: float = 0.0
    seat_legs: list[Channel] = field(default_factory=list)
    connect_time: float = 0.0
    connect_wall: int = 0
    retry_at: float = 0.0
    bridge: str = ""
    overflowed: bool = False
    answered: bool = False
    outcome: Outcome | None = None
    agi_hangup: Callable[[], None] | None = None  # tells the AGI server the caller hung up
    agi_query: str = ""  # appended to the AGI script: "?retry=N" on the overflow loop
    agi_rounds: int = 0  # AGI sessions of the overflow loop (the entry's not counted)
    overflow_tries: int = 0  # OVERFLOW_TRIES: rounds of the overflow loop (sim/overflow.py)
    spin: tuple[float, int] = (-1.0, 0)  # (simulated time, overflow rounds at that time)
    moh: bool = False  # StartMusicOnHold playing
    # state "direct" (blind-transferred straight to a seat, outside the queue): transfer.py
    direct_answer: Callable[[], None] | None = None
    direct_end: Callable[[str], None] | None = None
    timers: dict[str, Timer] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.leg1.linkedid

    def cancel(self, *names: str) -> None:
        for name in names or tuple(self.timers):
            timer = self.timers.pop(name, None)
            if timer is not None:
                timer.cancel()
