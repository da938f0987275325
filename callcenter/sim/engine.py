"""The simulated PBX: app_queue's behaviour and each call's dialplan, on simulated time.

``Simulator`` is synchronous and single-threaded: every change happens inside a scheduler
timer or an action call, and reports its AMI events at once, in order, through ``EventStream``.
Callers enter like the recording rig's (a Local channel pair into ``19@from-pstn``, the ``;2``
leg is the queue caller), run the FastAGI when ``agi_url`` is set (fail-open: a slow or absent
AGI server sends them to the queue with ``AGISTATUS=FAILURE``), then join the queue or, when it
is full (``maxlen``), get ``QUEUESTATUS=FULL`` and the overflow path: an announcement and a new
try into the queue, never a hang-up. Member (seat) behaviour: a simulated operator answers
after a ring delay and ends the call after the caller's talk time, unless the seat is
*manual*: then only ``answer_seat``/``hangup_seat`` (the operator panel) or a ring timeout move
it. Seat and queue actions live in ``members.py``; this module owns the call flow.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from callcenter.errors import CallcenterError
from callcenter.sim import dialplan
from callcenter.sim.calls import Call, CallSpec, Outcome
from callcenter.sim.channels import RING, RINGING, UP, Channel, EventStream
from callcenter.sim.clock import Scheduler
from callcenter.sim.config import QueueConf
from callcenter.sim.queue import Member, Queue
from callcenter.sim.reporting import Reporter


class SimError(CallcenterError):
    """An action the simulator refuses; ``message`` reads like Asterisk's own."""


@dataclass
class SimOptions:
    timestamps: bool = True
    noise: bool = True
    seed: int = 0
    epoch: float | None = None
    ring_min: float = 1.0  # simulated operators: ring delay before answering (seconds)
    ring_max: float = 3.0
    talk_min: float = 2.0  # talk time of AMI-originated callers (the recording rig's globals)
    talk_max: float = 6.0
    no_answer_ratio: float = 0.0  # share of rings a simulated operator lets time out
    overflow_retry: float = 10.0  # seconds of overflow announcement before the next try
    agi_url: str | None = None  # e.g. agi://127.0.0.1:4573/qualify
    agi_budget: float = 0.5
    overflow_variable: str = "CALLCENTER_ROUTE"
    overflow_value: str = "overflow"
    manual_seats: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Tally:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    overflow_events: int = 0


AgiStarter = Callable[["Simulator", Call], "asyncio.Future[None] | None"]


class Simulator:
    def __init__(
        self,
        queues: dict[str, QueueConf],
        options: SimOptions | None = None,
        *,
        agi_starter: AgiStarter | None = None,
    ) -> None:
        if not queues:
            raise SimError("no queue configured")
        self.confs = queues
        self.options = options or SimOptions()
        self.agi_starter = agi_starter
        self.clock_sync: Callable[[], None] = lambda: None
        self._pending: set[asyncio.Future[None]] = set()
        epoch = self.options.epoch if self.options.epoch is not None else time.time()
        self.scheduler = Scheduler(epoch)
        self.stream = EventStream(self.scheduler, timestamps=self.options.timestamps)
        self.report = Reporter(self.stream, noise=self.options.noise)
        self._build()

    def _build(self) -> None:
        self.rng = random.Random(self.options.seed)
        login = int(self.scheduler.wall())
        self.queues: dict[str, Queue] = {
            name: Queue(conf, [Member.from_conf(m, login) for m in conf.members])
            for name, conf in self.confs.items()
        }
        self.calls: dict[str, Call] = {}
        self.channels: dict[str, tuple[Channel, Call]] = {}
        self.phones: dict[str, Call] = {}  # interface -> the call it rings for or talks to
        self.manual: set[str] = set(self.options.manual_seats)
        self.tally = Tally()
        self.finished: list[Call] = []

    # ------------------------------------------------------------------ outside work
    def track(self, future: asyncio.Future[None]) -> None:
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    async def settle(self) -> None:
        while self._pending:
            await asyncio.wait(set(self._pending))

    @property
    def now(self) -> float:
        return self.scheduler.now

    def wall(self) -> int:
        return int(self.scheduler.wall())

    def queue(self, name: str) -> Queue:
        q = self.queues.get(name)
        if q is None:
            raise SimError(f"No such queue: {name}")
        return q

    # ------------------------------------------------------------------ entry (dialplan.py)
    def enter(self, spec: CallSpec) -> None:
        """Timer-friendly ``new_call``."""
        dialplan.enter(self, spec)

    def new_call(self, spec: CallSpec) -> Call:
        """A caller dials 19: channels, dialplan up to the AGI or the queue."""
        return dialplan.enter(self, spec)

    def agi_done(self, call: Call, status: str, variables: dict[str, str]) -> None:
        """The AGI ended (or its budget ran out): apply what it set, continue the dialplan."""
        dialplan.agi_done(self, call, status, variables)

    # ------------------------------------------------------------------ queue
    def join(self, call: Call, *, ring: bool = True) -> None:
        q = self.queue(call.queue)
        if q.full:
            dialplan.overflow(self, call, q, status="FULL")
            return
        r, leg2 = self.report, call.leg2
        position = q.insert(call)
        call.state = "queued"
        call.join_time, call.join_wall = self.now, self.wall()
        call.original_position = position
        r.device(f"Queue:{q.name}", "RINGING")
        fields = [("Queue", q.name), ("Position", str(position)), ("Count", str(len(q.entries)))]
        r.queue_caller("QueueCallerJoin", leg2, fields)
        r.moh(leg2, True, q.conf.musicclass)
        if "hangup" not in call.timers:
            patience = call.spec.patience - (self.now - call.entered if call.overflowed else 0)
            call.timers["hangup"] = self.scheduler.after(patience, self.caller_hangup, call)
        if ring:
            self.distribute(q)

    def distribute(self, q: Queue) -> None:
        """autofill: every waiting caller in order gets a free member until none is left."""
        now = self.now
        busy = set(self.phones)
        for call in list(q.entries):
            if call.member is not None or call.retry_at > now:
                continue
            member = q.choose(q.free_members(now, busy))
            if member is None:
                break
            busy.add(member.interface)
            self._ring(call, q, member)

    def _seat_legs(self, call: Call, m: Member) -> list[Channel]:
        s, c = self.stream, call.leg2
        num, name = c.caller_num, c.caller_name
        if m.local:
            target = m.interface.split("/", 1)[1].split("/", 1)[0]
            exten, _, context = target.partition("@")
            base = s.local_name(exten, context or "default")
            one = Channel(f"{base};1", s.uniqueid(), call.id, context, exten)
            two = Channel(f"{base};2", s.uniqueid(), call.id, context, exten, state=RING)
            legs = [one, two]
        else:
            exten = m.interface.split("/", 1)[-1]
            legs = [Channel(s.tech_name(m.interface), s.uniqueid(), call.id, "seats", exten)]
        for leg in legs:
            leg.caller_num = leg.connected_num = num
            leg.caller_name = leg.connected_name = name
        return legs

    def _ring(self, call: Call, q: Queue, m: Member) -> None:
        r = self.report
        call.member, m.ringing = m, call
        call.ring_start = self.now
        self.phones[m.interface] = call
        legs = call.seat_legs = self._seat_legs(call, m)
        for leg in legs:
            self.channels[leg.name] = (leg, call)
            r.newchannel(leg)
        seat = legs[0]
        r.exten(seat, 1, "AppQueue", "(Outgoing Line)")
        if len(legs) == 2:
            r.local_bridge(legs[0], legs[1])
        seat.exten = call.leg2.exten if m.local else seat.exten
        ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
        r.agent("AgentCalled", call.leg2, seat, ident)
        dial_string = m.interface if m.local else m.interface.split("/", 1)[-1]
        r.dial("DialBegin", call.leg2, seat, [("DialString", dial_string)])
        r.newstate(seat, RINGING)
        r.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
        r.dial("DialState", call.leg2, seat, [("DialStatus", "RINGING")])
        timeout = q.conf.timeout if q.conf.timeout > 0 else 15
        call.timers["ring"] = self.scheduler.after(timeout, self._ring_no_answer, call, "timeout")
        answers = self.rng.random() >= self.options.no_answer_ratio
        if m.interface not in self.manual and answers:
            delay = self.rng.uniform(self.options.ring_min, self.options.ring_max)
            call.timers["answer"] = self.scheduler.after(delay, self.answer, call)

    def _drop_seat_legs(self, call: Call, first_cause: int, second_cause: int) -> None:
        for index, leg in enumerate(call.seat_legs):
            self.report.hangup(leg, first_cause if index == 0 else second_cause)
            self.channels.pop(leg.name, None)
        call.seat_legs = []

    def _release_ring(self, call: Call) -> Member:
        m = call.member
        assert m is not None
        q = self.queue(call.queue)
        m.ringing = None
        call.member = None
        self.phones.pop(m.interface, None)
        self.report.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
        return m

    def _ring_no_answer(self, call: Call, cause: str) -> None:
        """Ring timeout, or the seat rejected the call: AgentRingNoAnswer, ring the next."""
        if call.member is None or call.state != "queued":
            return
        call.cancel("ring", "answer")
        q, m, r = self.queue(call.queue), call.member, self.report
        seat = call.seat_legs[0]
        if cause == "timeout":
            ring_ms = (q.conf.timeout if q.conf.timeout > 0 else 15) * 1000
        else:
            ring_ms = int(self.now - call.ring_start) * 1000
        r.dial("DialEnd", call.leg2, seat, [("DialStatus", "NOANSWER")])
        ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
        r.agent("AgentRingNoAnswer", call.leg2, seat, [*ident, ("RingTime", str(ring_ms))])
        self._drop_seat_legs(call, 0, 16 if cause == "timeout" else 21)
        self._release_ring(call)
        retry = max(q.conf.retry, 0)
        call.retry_at = self.now + retry
        self.scheduler.after(retry, self.distribute, q)

    def answer(self, call: Call) -> None:
        """The ringing seat picks up: the caller leaves the queue and the bridge is made."""
        if call.member is None or call.state != "queued":
            return
        self.clock_sync()
        call.cancel("ring", "answer")
        q, m, r, leg2 = self.queue(call.queue), call.member, self.report, call.leg2
        seat = call.seat_legs[0]
        for leg in reversed(call.seat_legs):
            r.newstate(leg, UP)
        r.dial("DialEnd", leg2, seat, [("DialStatus", "ANSWER")])
        r.moh(leg2, False)
        r.var(leg2, "MEMBERINTERFACE", m.interface)
        r.var(leg2, "MEMBERNAME", m.name)
        position = q.position(call)
        q.entries.remove(call)
        r.device(f"Queue:{q.name}", "NOT_INUSE")
        count = str(len(q.entries))
        fields = [("Queue", q.name), ("Position", str(position)), ("Count", count)]
        r.queue_caller("QueueCallerLeave", leg2, fields)
        hold = self.wall() - call.join_wall
        ring = self.wall() - int(self.scheduler.epoch + call.ring_start)
        ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
        r.agent(
            "AgentConnect", leg2, seat, [*ident, ("HoldTime", str(hold)), ("RingTime", str(ring))]
        )
        call.bridge = self.stream.bridge_id()
        r.bridge("BridgeCreate", call.bridge, 0)
        r.bridge("BridgeEnter", call.bridge, 1, seat)
        r.bridge("BridgeEnter", call.bridge, 2, leg2)
        seat.bridge = leg2.bridge = call.bridge
        m.ringing, m.in_call = None, call
        if not m.local:
            r.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
        call.state, call.answered = "talking", True
        call.connect_time, call.connect_wall = self.now, self.wall()
        self._talk_script(call, m)
        self.distribute(q)

    def _talk_script(self, call: Call, m: Member) -> None:
        spec, sched = call.spec, self.scheduler
        if spec.lifetime is not None:
            talk = self.rng.uniform(self.options.talk_min, self.options.talk_max)
            talk = float(round(talk))
        else:
            talk = spec.talk
            call.cancel("hangup")
            if spec.caller_ends:
                call.timers["hangup"] = sched.after(talk, self.caller_hangup, call)
            elif m.interface in self.manual:
                # nobody may ever hang up a manual seat: the caller gives up eventually
                call.timers["hangup"] = sched.after(max(3 * talk, 600.0), self.caller_hangup, call)
        if m.interface not in self.manual and not spec.caller_ends:
            call.timers["talk"] = sched.after(talk, self.end_talk, call, "agent")

    def end_talk(self, call: Call, by: str) -> None:
        """The conversation ends; ``by`` is ``agent`` (the seat hangs up) or ``caller``."""
        if call.state != "talking" or call.member is None:
            return
        self.clock_sync()
        call.cancel()
        q, m, r = self.queue(call.queue), call.member, self.report
        seat, legs, leg1, leg2 = call.seat_legs[0], call.seat_legs, call.leg1, call.leg2
        hold = call.connect_wall - call.join_wall
        talk = self.wall() - call.connect_wall
        ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
        done = [*ident, ("HoldTime", str(hold)), ("TalkTime", str(talk)), ("Reason", by)]
        if by == "agent":
            r.soft_hangup(legs[-1])
            if len(legs) == 2:
                r.hangup_request(legs[0])
            r.agent("AgentComplete", leg2, seat, done)
            if len(legs) == 2:
                r.hangup(legs[1])
            self._free_member(call, q, m)
            r.bridge("BridgeLeave", call.bridge, 1, seat)
            r.hangup(seat)
            r.bridge("BridgeLeave", call.bridge, 0, leg2)
            r.bridge("BridgeDestroy", call.bridge, 0)
            r.soft_hangup(leg2)
            r.hangup_request(leg1)
            r.hangup(leg2)
            r.soft_hangup(leg1)
            r.hangup(leg1)
        else:
            # order of ts-agent-dump part E: AgentComplete first, the caller's legs, the seat's
            r.soft_hangup(leg1)
            r.hangup_request(leg2)
            r.agent("AgentComplete", leg2, seat, done)
            r.hangup(leg1)
            r.bridge("BridgeLeave", call.bridge, 1, leg2)
            r.hangup(leg2)
            r.bridge("BridgeLeave", call.bridge, 0, seat)
            r.bridge("BridgeDestroy", call.bridge, 0)
            r.hangup_request(seat)
            r.hangup(seat)
            self._free_member(call, q, m)
            for leg in legs[1:]:
                r.hangup(leg)
        for leg in legs:
            self.channels.pop(leg.name, None)
        call.seat_legs = []
        # app_queue updates its statistics when the call completes
        q.holdtime = (q.holdtime * q.completed + hold) / (q.completed + 1)
        q.talktime = (q.talktime * q.completed + talk) / (q.completed + 1)
        q.completed += 1
        if hold <= q.conf.servicelevel:
            q.answered_within_sl += 1
        self._finish(call)
        self.distribute(q)

    def _free_member(self, call: Call, q: Queue, m: Member) -> None:
        m.in_call = None
        call.member = None
        m.calls_taken += 1
        m.last_call = self.wall()
        m.wrapup_until = self.now + q.conf.wrapuptime
        self.phones.pop(m.interface, None)
        self.report.device(m.state_interface, "NOT_INUSE")
        self.report.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
        if q.conf.wrapuptime > 0:
            self.scheduler.after(q.conf.wrapuptime, self.distribute, q)

    def caller_hangup(self, call: Call) -> None:
        """The caller hangs up, wherever it is."""
        self.clock_sync()
        call.timers.pop("hangup", None)
        if call.state == "talking":
            self.end_talk(call, "caller")
        elif call.state == "queued":
            self._abandon(call)
        elif call.state in ("direct", "callback") and call.direct_end is not None:
            call.direct_end("caller")
        elif call.state in ("entry", "agi", "overflow"):
            call.cancel()
            if call.agi_hangup is not None:
                call.agi_hangup()
                call.agi_hangup = None
            r = self.report
            r.soft_hangup(call.leg1)
            r.hangup_request(call.leg2)
            r.hangup(call.leg1)
            r.hangup(call.leg2)
            self._finish(call)

    def _abandon(self, call: Call) -> None:
        q, r, leg1, leg2 = self.queue(call.queue), self.report, call.leg1, call.leg2
        call.cancel()
        if call.member is not None:
            r.dial("DialEnd", leg2, call.seat_legs[0], [("DialStatus", "CANCEL")])
            self._drop_seat_legs(call, 16, 16)
            self._release_ring(call)
        r.soft_hangup(leg1)
        r.hangup_request(leg2)
        r.hangup(leg1)
        r.moh(leg2, False)
        position = q.position(call)
        q.entries.remove(call)
        hold = self.wall() - call.join_wall
        r.queue_caller(
            "QueueCallerAbandon",
            leg2,
            [
                ("Queue", q.name),
                ("Position", str(position)),
                ("OriginalPosition", str(call.original_position)),
                ("HoldTime", str(hold)),
            ],
        )
        fields = [("Queue", q.name), ("Position", str(position)), ("Count", str(len(q.entries)))]
        r.queue_caller("QueueCallerLeave", leg2, fields)
        r.soft_hangup(leg2)
        r.hangup(leg2)
        q.abandoned += 1
        self._finish(call)
        self.distribute(q)

    def _finish(self, call: Call) -> None:
        call.cancel()
        call.state = "done"
        if call.answered:
            call.outcome = Outcome.ANSWERED
            self.tally.answered += 1
        elif call.overflowed:
            call.outcome = Outcome.OVERFLOWED
            self.tally.overflowed += 1
        else:
            call.outcome = Outcome.ABANDONED
            self.tally.abandoned += 1
        self.channels.pop(call.leg1.name, None)
        self.channels.pop(call.leg2.name, None)
        self.calls.pop(call.id, None)
        self.finished.append(call)
