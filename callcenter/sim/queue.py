"""app_queue's bookkeeping: its members (``calls.Member``), waiting entries in priority order,
member choice.

Pure state, no events: the engine (``engine.py``) decides when things happen and reports them.
Entries are kept in Asterisk's order: higher ``QUEUE_PRIO`` first, then arrival. A member is
free when logged in, not paused, not ringing, not in a call (``ringinuse = no``) and past its
wrap-up time. ``rrmemory`` rings the next free member after the last one rung; ``leastrecent``
the free member whose last call ended longest ago. A lower penalty always wins first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.sim.calls import Call, Member
from callcenter.sim.config import QueueConf
from callcenter.sim.frames import Headers


@dataclass(eq=False)
class Queue:
    conf: QueueConf
    members: list[Member] = field(default_factory=list)
    entries: list[Call] = field(default_factory=list)
    rr_next: int = 0
    completed: int = 0
    abandoned: int = 0
    holdtime: float = 0.0
    talktime: float = 0.0
    answered_within_sl: int = 0
    max_count: int = 0

    @property
    def name(self) -> str:
        return self.conf.name

    @property
    def full(self) -> bool:
        return self.conf.maxlen > 0 and len(self.entries) >= self.conf.maxlen

    def member(self, key: str) -> Member | None:
        for m in self.members:
            if key in (m.interface, m.name):
                return m
        return None

    def insert(self, call: Call) -> int:
        """Place a caller by priority (ahead of lower ones, behind equal ones); 1-based."""
        index = len(self.entries)
        for i, other in enumerate(self.entries):
            if call.prio > other.prio:
                index = i
                break
        self.entries.insert(index, call)
        self.max_count = max(self.max_count, len(self.entries))
        return index + 1

    def position(self, call: Call) -> int:
        return self.entries.index(call) + 1

    def free_members(self, now: float, busy_interfaces: set[str]) -> list[Member]:
        return [
            m
            for m in self.members
            if not m.paused
            and m.ringing is None
            and m.in_call is None
            and m.wrapup_until <= now
            and m.interface not in busy_interfaces
        ]

    def choose(self, free: list[Member]) -> Member | None:
        if not free:
            return None
        best = min(m.penalty for m in free)
        free = [m for m in free if m.penalty == best]
        if self.conf.strategy == "leastrecent":
            return min(free, key=lambda m: (m.last_call, self.members.index(m)))
        # rrmemory (and the default): the first free member at or after the remembered index
        order = {id(m): i for i, m in enumerate(self.members)}
        size = len(self.members)
        chosen = min(free, key=lambda m: (order[id(m)] - self.rr_next) % size)
        self.rr_next = (order[id(chosen)] + 1) % size
        return chosen

    def summary(self, now: float) -> Headers:
        waiting = [c for c in self.entries if c.join_time is not None]
        longest = max((now - (c.join_time or now) for c in waiting), default=0.0)
        logged = len(self.members)
        available = sum(1 for m in self.members if not m.paused and m.in_call is None)
        return [
            ("Queue", self.name),
            ("LoggedIn", str(logged)),
            ("Available", str(available)),
            ("Callers", str(len(self.entries))),
            ("HoldTime", str(round(self.holdtime))),
            ("TalkTime", str(round(self.talktime))),
            ("LongestHoldTime", str(int(longest))),
        ]

    def params(self) -> Headers:
        total = self.completed + self.abandoned
        perf = 100.0 * self.answered_within_sl / self.completed if self.completed else 0.0
        perf2 = 100.0 * self.answered_within_sl / total if total else 0.0
        return [
            ("Queue", self.name),
            ("Max", str(self.conf.maxlen)),
            ("Strategy", self.conf.strategy),
            ("Calls", str(len(self.entries))),
            ("Holdtime", str(round(self.holdtime))),
            ("TalkTime", str(round(self.talktime))),
            ("Completed", str(self.completed)),
            ("Abandoned", str(self.abandoned)),
            ("ServiceLevel", str(self.conf.servicelevel)),
            ("ServicelevelPerf", f"{perf:.1f}"),
            ("ServicelevelPerf2", f"{perf2:.1f}"),
            ("Weight", str(self.conf.weight)),
        ]
