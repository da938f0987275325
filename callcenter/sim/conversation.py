"""A queue call from the seat's answer to its end: AgentConnect and the bridge, the simulated
operator's talk time, AgentComplete in the order of whoever hung up, the member's wrap-up and
app_queue's completion statistics.

Functions over the ``Simulator`` seen as a ``ConversationFlow`` (``flow.py``), as ``dialplan``
is: they change its state and report the AMI events at once, in the order Asterisk sends them.
"""

from __future__ import annotations

from callcenter.sim.calls import Call, Member
from callcenter.sim.channels import UP
from callcenter.sim.flow import ConversationFlow
from callcenter.sim.queue import Queue


def answer(sim: ConversationFlow, call: Call) -> None:
    """The ringing seat picks up: the caller leaves the queue and the bridge is made."""
    if call.member is None or call.state != "queued":
        return
    sim.clock_sync()
    call.cancel("ring", "answer")
    q, m, r, leg2 = sim.queue(call.queue), call.member, sim.report, call.leg2
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
    hold = sim.wall() - call.join_wall
    ring = sim.wall() - int(sim.scheduler.epoch + call.ring_start)
    ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
    r.agent("AgentConnect", leg2, seat, [*ident, ("HoldTime", str(hold)), ("RingTime", str(ring))])
    call.bridge = sim.stream.bridge_id()
    r.bridge("BridgeCreate", call.bridge, 0)
    r.bridge("BridgeEnter", call.bridge, 1, seat)
    r.bridge("BridgeEnter", call.bridge, 2, leg2)
    seat.bridge = leg2.bridge = call.bridge
    m.ringing, m.in_call = None, call
    if not m.local:
        r.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
    call.state, call.answered = "talking", True
    call.connect_time, call.connect_wall = sim.now, sim.wall()
    talk_script(sim, call, m)
    sim.distribute(q)


def talk_script(sim: ConversationFlow, call: Call, m: Member) -> None:
    spec, sched = call.spec, sim.scheduler
    if spec.lifetime is not None:
        talk = sim.rng.uniform(sim.options.talk_min, sim.options.talk_max)
        talk = float(round(talk))
    else:
        talk = spec.talk
        call.cancel("hangup")
        if spec.caller_ends:
            call.timers["hangup"] = sched.after(talk, sim.caller_hangup, call)
        elif m.interface in sim.manual:
            # nobody may ever hang up a manual seat: the caller gives up eventually
            call.timers["hangup"] = sched.after(max(3 * talk, 600.0), sim.caller_hangup, call)
    if m.interface not in sim.manual and not spec.caller_ends:
        call.timers["talk"] = sched.after(talk, sim.end_talk, call, "agent")


def end_talk(sim: ConversationFlow, call: Call, by: str) -> None:
    """The conversation ends; ``by`` is ``agent`` (the seat hangs up) or ``caller``."""
    if call.state != "talking" or call.member is None:
        return
    sim.clock_sync()
    call.cancel()
    q, m, r = sim.queue(call.queue), call.member, sim.report
    seat, legs, leg1, leg2 = call.seat_legs[0], call.seat_legs, call.leg1, call.leg2
    hold = call.connect_wall - call.join_wall
    talk = sim.wall() - call.connect_wall
    ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
    done = [*ident, ("HoldTime", str(hold)), ("TalkTime", str(talk)), ("Reason", by)]
    if by == "agent":
        r.soft_hangup(legs[-1])
        if len(legs) == 2:
            r.hangup_request(legs[0])
        r.agent("AgentComplete", leg2, seat, done)
        if len(legs) == 2:
            r.hangup(legs[1])
        free_member(sim, call, q, m)
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
        free_member(sim, call, q, m)
        for leg in legs[1:]:
            r.hangup(leg)
    for leg in legs:
        sim.channels.pop(leg.name, None)
    call.seat_legs = []
    # app_queue updates its statistics when the call completes
    q.holdtime = (q.holdtime * q.completed + hold) / (q.completed + 1)
    q.talktime = (q.talktime * q.completed + talk) / (q.completed + 1)
    q.completed += 1
    if hold <= q.conf.servicelevel:
        q.answered_within_sl += 1
    sim.finish(call)
    sim.distribute(q)


def free_member(sim: ConversationFlow, call: Call, q: Queue, m: Member) -> None:
    m.in_call = None
    call.member = None
    m.calls_taken += 1
    m.last_call = sim.wall()
    m.wrapup_until = sim.now + q.conf.wrapuptime
    sim.phones.pop(m.interface, None)
    sim.report.device(m.state_interface, "NOT_INUSE")
    sim.report.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
    if q.conf.wrapuptime > 0:
        sim.scheduler.after(q.conf.wrapuptime, sim.distribute, q)
