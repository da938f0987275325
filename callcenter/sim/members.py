"""What can be done to the simulated PBX from outside: seat (member) and caller actions.

Used by the AMI actions (``ami_actions.py``), the control endpoints (``control.py``) and the
operator-panel hook: ``answer_seat`` / ``hangup_seat`` pick up or put down a seat's phone as a
person at the seat would. Each raises ``SimError`` with Asterisk's own wording when the PBX
would refuse. All of them first bring simulated time up to date (``clock_sync``).
"""

from __future__ import annotations

from typing import Any

from callcenter.sim import ringing
from callcenter.sim.calls import Call, Member
from callcenter.sim.engine import SimError, Simulator


def _queues(sim: Simulator, queue: str) -> list[str]:
    return [queue] if queue else list(sim.queues)


def pause(sim: Simulator, queue: str, interface: str, paused: bool, reason: str = "") -> None:
    sim.clock_sync()
    found = False
    for name in _queues(sim, queue):
        q = sim.queue(name)
        m = q.member(interface)
        if m is None:
            continue
        found = True
        m.paused = paused
        m.reason = reason if paused else ""
        if paused:
            m.last_pause = sim.wall()
        sim.report.ev("QueueMemberPause", "agent", m.headers(q.name, q.conf.wrapuptime))
        if not paused:
            sim.distribute(q)
    if not found:
        raise SimError(f"Interface not found: {interface}" if queue else "Interface not found")


def add(sim: Simulator, queue: str, interface: str, *, name: str = "", penalty: int = 0,
        paused: bool = False, reason: str = "", state_interface: str = "") -> None:  # fmt: skip
    sim.clock_sync()
    q = sim.queue(queue)
    if q.member(interface) is not None:
        raise SimError("Unable to add interface: Already there")
    m = Member(
        interface=interface,
        name=name or interface,
        state_interface=state_interface or interface,
        penalty=penalty,
        membership="dynamic",
        paused=paused,
        reason=reason if paused else "",
        login_time=sim.wall(),
    )
    q.members.append(m)
    sim.report.ev("QueueMemberAdded", "agent", m.headers(q.name, q.conf.wrapuptime))
    sim.distribute(q)


def remove(sim: Simulator, queue: str, interface: str) -> None:
    sim.clock_sync()
    q = sim.queue(queue)
    m = q.member(interface)
    if m is None:
        raise SimError("Unable to remove interface: Not there")
    q.members.remove(m)
    sim.report.ev("QueueMemberRemoved", "agent", m.headers(q.name, q.conf.wrapuptime))


def penalty(sim: Simulator, queue: str, interface: str, value: int) -> None:
    sim.clock_sync()
    found = False
    for name in _queues(sim, queue):
        q = sim.queue(name)
        m = q.member(interface)
        if m is not None:
            found = True
            m.penalty = value
            sim.report.ev("QueueMemberPenalty", "agent", m.headers(q.name, q.conf.wrapuptime))
    if not found:
        raise SimError("Invalid interface, queuename or penalty")


def change_priority(sim: Simulator, queue: str, channel: str, prio: int, immediate: bool) -> None:
    """QueueChangePriorityCaller: no event; ``immediate`` moves the caller at once."""
    sim.clock_sync()
    q = sim.queue(queue)
    for call in q.entries:
        if call.leg2.name == channel:
            call.prio = prio
            call.leg2.variables["QUEUE_PRIO"] = str(prio)
            if immediate:
                q.entries.remove(call)
                q.insert(call)
            return
    raise SimError("Unable to change priority caller on queue: No such caller")


def _phone(sim: Simulator, seat: str) -> tuple[str, Call | None]:
    interface = sim.interface_of(seat)
    return interface, sim.phones.get(interface)


def answer_seat(sim: Simulator, seat: str) -> str:
    """Pick up the seat's ringing phone; returns the seat channel now in the call."""
    sim.clock_sync()
    _interface, call = _phone(sim, seat)
    outside = ("direct", "callback")  # calls outside the queue: transfer.py, callbacks.py
    if call is not None and call.state in outside and call.direct_answer is not None:
        channel = call.seat_legs[0].name
        call.direct_answer()
        return channel
    if call is None or call.state != "queued" or not call.seat_legs:
        raise SimError(f"Seat {seat} is not ringing")
    channel = call.seat_legs[0].name
    sim.answer(call)
    return channel


def hangup_seat(sim: Simulator, seat: str) -> None:
    """Put the seat's phone down: ends its conversation, or rejects the ringing call."""
    sim.clock_sync()
    _interface, call = _phone(sim, seat)
    if call is None:
        raise SimError(f"Seat {seat} has no call")
    if call.state in ("direct", "callback") and call.direct_end is not None:
        call.direct_end("agent")
    elif call.state == "talking":
        sim.end_talk(call, "agent")
    else:
        ringing.ring_no_answer(sim, call, "rejected")


def set_manual(sim: Simulator, seat: str, manual: bool) -> None:
    interface, _call = _phone(sim, seat)
    if manual:
        sim.manual.add(interface)
    else:
        sim.manual.discard(interface)


def hangup_channel(sim: Simulator, channel: str) -> None:
    """AMI Hangup: a caller leg hangs up the caller, a seat leg puts the seat's phone down."""
    sim.clock_sync()
    found = sim.channels.get(channel)
    if found is None:
        raise SimError("No such channel")
    leg, call = found
    if leg in (call.leg1, call.leg2):
        sim.caller_hangup(call)
    elif call.state in ("direct", "callback") and call.direct_end is not None:
        call.direct_end("agent")
    elif call.state == "talking":
        sim.end_talk(call, "agent")
    else:
        ringing.ring_no_answer(sim, call, "rejected")


def snapshot(sim: Simulator) -> dict[str, Any]:
    """Current state for tests and the control endpoint (JSON-ready)."""
    sim.clock_sync()
    t = sim.tally
    talking = sum(1 for c in sim.calls.values() if c.state == "talking")
    return {
        "now": round(sim.now, 3),
        "epoch": sim.scheduler.wall(),
        "offered": t.offered,
        "answered": t.answered,
        "abandoned": t.abandoned,
        "overflowed": t.overflowed,
        "overflow_events": t.overflow_events,
        "active": len(sim.calls),
        "talking": talking,
        "events_sent": sim.stream.sent,
        "queues": {
            q.name: {
                "waiting": len(q.entries),
                "max_count": q.max_count,
                "maxlen": q.conf.maxlen,
                "completed": q.completed,
                "abandoned": q.abandoned,
                "service_level": q.conf.servicelevel,
                "answered_within_sl": q.answered_within_sl,
                "callers": [
                    {"channel": c.leg2.name, "linkedid": c.id, "priority": c.prio}
                    for c in q.entries
                ],
                "members": [
                    {
                        "name": m.name,
                        "interface": m.interface,
                        "paused": m.paused,
                        "reason": m.reason,
                        "status": m.status,
                        "manual": m.interface in sim.manual,
                        "ringing": m.ringing.id if m.ringing else None,
                        "in_call": m.in_call.id if m.in_call else None,
                        "calls_taken": m.calls_taken,
                    }
                    for m in q.members
                ],
            }
            for q in sim.queues.values()
        },
    }


def reset(sim: Simulator) -> None:
    """Forget every call and timer and reload the queues as configured (no events)."""
    sim.scheduler.clear()
    sim._build()
