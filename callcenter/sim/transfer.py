"""AMI ``BlindTransfer`` of a conversation back into the queue (``[transfer] requeue``).

As recorded in ts-blind-transfer: ``Channel`` is the seat's leg in the bridge; the reply is
``Transfer succeeded``; then Unhold (seat), BlindTransfer (Transferer = seat, Transferee =
caller), AgentComplete ``Reason=transfer`` at once, the bridge is left and destroyed, the
seat's legs hang up, and the caller joins the queue again on the same channel (a fresh
QueueCallerJoin, HoldTime counted from it). Any other extension names a seat (``seat06``):
the caller is dialled straight to that seat's phone, outside the queue (no Agent* events:
DialBegin, DialEnd, a new bridge, QueueMemberStatus for the seat), as in part 1 of the
recording; the seat answers after a ring delay, or through ``answer_seat`` when manual.
"""

from __future__ import annotations

from callcenter.sim import conversation, dialplan, ringing
from callcenter.sim.calls import Call, Member
from callcenter.sim.channels import RINGING, UP
from callcenter.sim.engine import SimError, Simulator

REQUEUE = "requeue"


def _target(sim: Simulator, exten: str) -> Member:
    for q in sim.queues.values():
        for m in q.members:
            seat = m.interface.split("/", 1)[-1].split("@")[0]
            if exten == seat:
                if m.interface in sim.phones:
                    raise SimError(f"Transfer failed: {exten} is busy")
                return m
    raise SimError(f"Transfer failed: no seat {exten}")


def blind_transfer(sim: Simulator, channel: str, context: str, exten: str) -> None:
    sim.clock_sync()
    found = sim.channels.get(channel)
    if found is None:
        raise SimError("No such channel")
    leg, call = found
    if not dialplan.exists(context, exten):  # the simulator's words: not recorded
        raise SimError(f"Transfer failed: no extension {exten} in context {context}")
    if call.state != "talking" or not call.seat_legs or leg is not call.seat_legs[0]:
        raise SimError("Transfer failed: the channel is not a seat in a conversation")
    target = None if exten == REQUEUE else _target(sim, exten)
    q, m, r, leg2 = sim.queue(call.queue), call.member, sim.report, call.leg2
    assert m is not None
    seat = call.seat_legs[0]
    hold = call.connect_wall - call.join_wall
    talk = sim.wall() - call.connect_wall
    r.ev("Unhold", "call", seat.block())
    bridge = [
        ("BridgeUniqueid", call.bridge),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", "2"),
        ("BridgeVideoSourceMode", "none"),
    ]
    r.ev(
        "BlindTransfer",
        "call",
        [
            ("Result", "Success"),
            *seat.block("Transferer"),
            *leg2.block("Transferee"),
            *bridge,
            ("IsExternal", "Yes"),
            ("Context", context),
            ("Extension", exten),
        ],
    )
    ident = [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)]
    times = [("HoldTime", str(hold)), ("TalkTime", str(talk)), ("Reason", "transfer")]
    r.agent("AgentComplete", leg2, seat, [*ident, *times])
    leg2.context, leg2.exten = context, exten
    r.exten(leg2, 1, "NoOp", f"transfer: re-queue {leg2.name} QUEUE_PRIO={call.prio}")
    r.bridge("BridgeLeave", call.bridge, 1, leg2)
    r.bridge("BridgeLeave", call.bridge, 0, seat)
    r.bridge("BridgeDestroy", call.bridge, 0)
    leg2.bridge = ""
    call.cancel("talk")
    if call.spec.lifetime is None:
        call.cancel("hangup")  # the caller's patience starts again in the queue
    q.completed += 1
    seat_legs, call.seat_legs = call.seat_legs, []
    call.state = "entry"
    if target is None:
        # as recorded: the caller is back in the queue before the old seat's legs are gone
        r.exten(leg2, 2, "Queue", f"{q.name},,,,120")
        call.member = None
        sim.join(call, ring=False)
    # the recording hung the seat's legs up ;2 first on a requeue, ;1 first on a direct one
    for seat_leg in reversed(seat_legs) if target is None else seat_legs:
        r.hangup(seat_leg)
        sim.channels.pop(seat_leg.name, None)
    conversation.free_member(sim, call, q, m)
    if target is None:
        sim.distribute(q)
    else:
        r.exten(leg2, 2, "Dial", f"Local/{exten}@seats/n,20")
        _dial_seat(sim, call, target)


def _dial_seat(sim: Simulator, call: Call, target: Member) -> None:
    r, leg2 = sim.report, call.leg2
    q = next(q for q in sim.queues.values() if target in q.members)
    legs = call.seat_legs = ringing.seat_legs(sim, call, target)
    seat = legs[0]
    for leg in legs:
        sim.channels[leg.name] = (leg, call)
        r.newchannel(leg)
    dial_string = target.interface if target.local else target.interface.split("/", 1)[-1]
    r.dial("DialBegin", leg2, seat, [("DialString", dial_string)])
    r.newstate(seat, RINGING)
    target.ringing = call
    sim.phones[target.interface] = call
    if not target.local:
        r.ev("QueueMemberStatus", "agent", target.headers(q.name, q.conf.wrapuptime))
    call.state = "direct"
    answered = False

    def answer() -> None:
        nonlocal answered
        if answered or call.state != "direct":
            return
        sim.clock_sync()
        answered = True
        call.cancel("direct_answer")
        for leg in reversed(legs):
            r.newstate(leg, UP)
        r.dial("DialEnd", leg2, seat, [("DialStatus", "ANSWER")])
        call.bridge = sim.stream.bridge_id()
        r.bridge("BridgeCreate", call.bridge, 0)
        r.bridge("BridgeEnter", call.bridge, 1, seat)
        r.bridge("BridgeEnter", call.bridge, 2, leg2)
        seat.bridge = leg2.bridge = call.bridge
        target.ringing, target.in_call = None, call
        r.ev("QueueMemberStatus", "agent", target.headers(q.name, q.conf.wrapuptime))
        talk = call.spec.talk if call.spec.lifetime is None else sim.options.talk_max
        if target.interface not in sim.manual:
            call.timers["talk"] = sim.scheduler.after(talk, end, "agent")
        elif "hangup" not in call.timers:
            call.timers["hangup"] = sim.scheduler.after(600.0, sim.caller_hangup, call)

    def end(by: str) -> None:
        if call.state != "direct":
            return
        sim.clock_sync()
        call.cancel("talk", "direct_answer")
        if answered:
            if len(legs) == 2:
                r.hangup(legs[1])
            r.bridge("BridgeLeave", call.bridge, 1, seat)
            r.hangup(seat)
        else:
            r.dial(
                "DialEnd", leg2, seat, [("DialStatus", "CANCEL" if by == "caller" else "NOANSWER")]
            )
            for leg in legs:
                r.hangup(leg, 16 if by == "caller" else 21)
        target.ringing = target.in_call = None
        sim.phones.pop(target.interface, None)
        r.ev("QueueMemberStatus", "agent", target.headers(q.name, q.conf.wrapuptime))
        if answered:
            r.bridge("BridgeLeave", call.bridge, 0, leg2)
            r.bridge("BridgeDestroy", call.bridge, 0)
        for leg in legs:
            sim.channels.pop(leg.name, None)
        call.seat_legs = []
        r.hangup(leg2)
        r.hangup(call.leg1)
        sim.finish(call)
        for queue in sim.queues.values():
            sim.distribute(queue)

    call.direct_answer, call.direct_end = answer, end
    if target.interface not in sim.manual:
        delay = sim.rng.uniform(sim.options.ring_min, sim.options.ring_max)
        call.timers["direct_answer"] = sim.scheduler.after(delay, answer)
