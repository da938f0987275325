"""One caller's life in the simulator: what it wants (``CallSpec``), where it is (``Call``),
and the queue member (``Member``: a seat's phone) that rings for it or talks to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from callcenter.domain.outcomes import Outcome
from callcenter.sim.channels import Channel
from callcenter.sim.clock import Timer
from callcenter.sim.config import MemberConf
from callcenter.sim.frames import Headers


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

    def named(self, seat: str) -> bool:
        """``seat`` names this member: its interface, its member name or the interface's
        device ("PJSIP/seat03", "Seat 03", "seat03")."""
        return seat in (self.interface, self.name, self.interface.split("/", 1)[-1].split("@")[0])

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
