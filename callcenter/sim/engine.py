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
it. Seat and queue actions live in ``members.py``; this module owns the call flow: entry
(``dialplan``), the queue (join, distribute, abandon), ringing a member (``ringing``) and the
conversation (``conversation``), which the ``Simulator`` delegates to.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from callcenter.domain.outcomes import Outcome
from callcenter.errors import CallcenterError
from callcenter.sim import conversation, dialplan, ringing
from callcenter.sim.calls import Call, CallSpec, Member
from callcenter.sim.channels import Channel, EventStream
from callcenter.sim.clock import Scheduler
from callcenter.sim.config import QueueConf
from callcenter.sim.options import SimOptions, Tally
from callcenter.sim.queue import Queue
from callcenter.sim.reporting import Reporter


class SimError(CallcenterError):
    """An action the simulator refuses; ``message`` reads like Asterisk's own."""


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
        # by interface; the options may name a seat any way a person would ("Seat 03")
        self.manual: set[str] = {self.interface_of(s) for s in self.options.manual_seats}
        self.tally = Tally()
        self.finished: list[Call] = []

    def interface_of(self, seat: str) -> str:
        """The interface of the member ``seat`` names; ``SimError`` if none."""
        for q in self.queues.values():
            for m in q.members:
                if m.named(seat):
                    return m.interface
        raise SimError(f"No such seat: {seat}")

    # ------------------------------------------------------------------ outside work
    @property
    def has_agi(self) -> bool:
        """A FastAGI client is plugged in (the dialplan runs it when ``agi_url`` is set)."""
        return self.agi_starter is not None

    def start_agi(self, call: Call) -> asyncio.Future[None] | None:
        """The FastAGI session of ``call`` (None: it ended at once, the dialplan goes on)."""
        assert self.agi_starter is not None, "only when has_agi"
        return self.agi_starter(self, call)

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
            ringing.ring(self, call, q, member)

    def answer(self, call: Call) -> None:
        """The ringing seat picks up: the caller leaves the queue and the bridge is made."""
        conversation.answer(self, call)

    def end_talk(self, call: Call, by: str) -> None:
        """The conversation ends; ``by`` is ``agent`` (the seat hangs up) or ``caller``."""
        conversation.end_talk(self, call, by)

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
            self.finish(call)

    def _abandon(self, call: Call) -> None:
        q, r, leg1, leg2 = self.queue(call.queue), self.report, call.leg1, call.leg2
        call.cancel()
        if call.member is not None:
            r.dial("DialEnd", leg2, call.seat_legs[0], [("DialStatus", "CANCEL")])
            ringing.drop_seat_legs(self, call, 16, 16)
            ringing.release_ring(self, call)
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
        self.finish(call)
        self.distribute(q)

    def finish(self, call: Call) -> None:
        """The call is over, its channels forgotten. Its outcome as callcenter defines it
        (``callcenter.domain.outcomes``): answered if a seat answered, whatever came before
        (counted at that answer), otherwise abandoned (counted now), the overflow path
        included."""
        call.cancel()
        call.state = "done"
        if call.answered:
            call.outcome = Outcome.ANSWERED
        else:
            call.outcome = Outcome.ABANDONED
            self.tally.abandoned += 1
        self.channels.pop(call.leg1.name, None)
        self.channels.pop(call.leg2.name, None)
        self.calls.pop(call.id, None)
        self.finished.append(call)
