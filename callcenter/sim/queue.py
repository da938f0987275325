"""app_queue's bookkeeping: members, waiting entries in priority order, member choice.

Pure state, no events: the engine (``engine.py``) decides when things happen and reports them.
Entries are kept in Asterisk's order: higher ``QUEUE_PRIO`` first, then arrival. A member is
free when logged in, not paused, not ringing, not in a call (``ringinuse = no``) and past its
wrap-up time. ``rrmemory`` rings the next free member after the last one rung; ``leastrecent``
the free member whose last call ended longest ago. A lower penalty always wins first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callcenter.sim.config import MemberConf, QueueConf
from callcenter.sim.frames import Headers

if TYPE_CHECKING:
    from callcenter.sim.calls import Call


@dataclass(eq=False)
class Member:
    interface: str
    name: str
    state_interface: str
    penalty: int = 0
    membership: str = "static"
    paused: bool = False
    reason: str = ""
    calls_taken: int = 0
    last_call: int = 0
    last_pause: int = 0
    login_time: int = 0
    wrapup_until: float = 0.0
    ringing: Call | None = None
    in_call: Call | None = None

    @classmethod
    def from_conf(cls, conf: MemberConf, login_time: int) -> Member:
        return cls(
            interface=conf.interface,
            name=conf.name,
            state_interface=conf.state_interface,
            penalty=conf.penalty,
            login_time=login_time,
        )

    @property
    def local(self) -> bool:
        return self.interface.startswith("Local/")

    @property
    def status(self) -> int:
        """AST_DEVICE_*: 1 not in use, 2 in use, 6 ringing (a Local member reports 2)."""
        if self.in_call is not None:
            return 2
        if self.ringing is not None:
            return 2 if self.local else 6
        return 1

    def headers(self, queue: str, wrapuptime: int, *, listing: bool = False) -> Headers:
        """QueueMember* pushed events say MemberName/Interface, QueueStatus Name/Location."""
        head: Headers = [("Queue", queue)]
        if listing:
            head += [("Name", self.name), ("Location", self.interface)]
        else:
            head += [("MemberName", self.name), ("Interface", self.interface)]
        head += [
            ("StateInterface", self.state_interface),
            ("Membership", self.membership),
            ("Penalty", str(self.penalty)),
            ("CallsTaken", str(self.calls_taken)),
            ("LastCall", str(self.last_call)),
            ("LastPause", str(self.last_pause)),
            ("LoginTime", str(self.login_time)),
            ("InCall", "1" if listing and self.in_call is not None else "0"),
            ("Status", str(self.status)),
            ("Paused", "1" if self.paused else "0"),
            ("PausedReason", self.reason),
        ]
        if not listing:
            head.append(("Ringinuse", "0"))
        head.append(("Wrapuptime", str(wrapuptime)))
        return head


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
