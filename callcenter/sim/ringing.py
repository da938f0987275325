"""app_queue ringing a member for a waiting caller: the seat's legs, AgentCalled, and the end of
a ring that was not answered (timeout or rejection: AgentRingNoAnswer, then the next member
after ``retry``) or that the caller cut short.

Functions over the ``Simulator`` seen as a ``RingingFlow`` (``flow.py``), as ``dialplan`` is: they
change its state and report the AMI events at once, in the order Asterisk sends them.
"""

from __future__ import annotations

from callcenter.sim.calls import Call, Member
from callcenter.sim.channels import RING, RINGING, Channel
from callcenter.sim.flow import RingingFlow
from callcenter.sim.queue import Queue


def seat_legs(sim: RingingFlow, call: Call, m: Member) -> list[Channel]:
    s, c = sim.stream, call.leg2
    num, name = c.caller_num, c.caller_name
    if m.local:
        target = m.interface.split("/", 1)[1].split("/", 1)[0]
        exten, _, context = target.partition("@")
        base = s.local_name(exten, context or "default")
        one = Channel(f"{base};1", s.uniqueid(), call.id, context, exten, created=sim.now)
        two = Channel(
            f"{base};2", s.uniqueid(), call.id, context, exten, state=RING, created=sim.now
        )
        legs = [one, two]
    else:
        exten = m.interface.split("/", 1)[-1]
        seat = Channel(
            s.tech_name(m.interface), s.uniqueid(), call.id, "seats", exten, created=sim.now
        )
        legs = [seat]
    for leg in legs:
        leg.caller_num = leg.connected_num = num
        leg.caller_name = leg.connected_name = name
    return legs


def ring(sim: RingingFlow, call: Call, q: Queue, m: Member) -> None:
    r = sim.report
    call.member, m.ringing = m, call
    call.ring_start = sim.now
    sim.phones[m.interface] = call
    legs = call.seat_legs = seat_legs(sim, call, m)
    for leg in legs:
        sim.channels[leg.name] = (leg, call)
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
    call.timers["ring"] = sim.scheduler.after(timeout, ring_no_answer, sim, call, "timeout")
    answers = sim.rng.random() >= sim.options.no_answer_ratio
    if m.interface not in sim.manual and answers:
        delay = sim.rng.uniform(sim.options.ring_min, sim.options.ring_max)
        call.timers["answer"] = sim.scheduler.after(delay, sim.answer, call)


def drop_seat_legs(sim: RingingFlow, call: Call, first_cause: int, second_cause: int) -> None:
    for index, leg in enumerate(call.seat_legs):
        sim.report.hangup(leg, first_cause if index == 0 else second_cause)
        sim.channels.pop(leg.name, None)
    call.seat_legs = []


def release_ring(sim: RingingFlow, call: Call) -> Member:
    m = call.member
    assert m is not None
    q = sim.queue(call.queue)
    m.ringing = None
    call.member = None
    sim.phones.pop(m.interface, None)
    sim.report.ev("QueueMemberStatus", "agent", m.headers(q.name, q.conf.wrapuptime))
    return m


def ring_no_answer(sim: RingingFlow, call: Call, cause: str) -> None:
    """Ring timeout, or the seat rejected the call: AgentRingNoAnswer, ring the next."""
    if call.member is None or call.state != "queued":
        return
    call.cancel("ring", "answer")
    q, m, r = sim.queue(call.queue), call.member, sim.report
    seat = call.seat_legs[0]
    if cause == "timeout":
        ring_ms = (q.conf.timeout if q.conf.timeout > 0 else 15) * 1000
    else:
        ring_ms = int(sim.now - call.ring_start) * 1000
    r.dial("DialEnd", call.leg2, seat, [("DialStatus", "NOANSWER")])
    ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
    r.agent("AgentRingNoAnswer", call.leg2, seat, [*ident, ("RingTime", str(ring_ms))])
    drop_seat_legs(sim, call, 0, 16 if cause == "timeout" else 21)
    release_ring(sim, call)
    retry = max(q.conf.retry, 0)
    call.retry_at = sim.now + retry
    sim.scheduler.after(retry, sim.distribute, q)
