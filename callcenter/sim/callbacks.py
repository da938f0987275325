"""AMI ``Originate`` from a seat's phone to an outside number (a callback), outside the queue.

``Channel: PJSIP/seat01`` (the seat's interface), ``Context``/``Exten`` the number to call: the
seat's phone rings first (QueueMemberStatus 6 for its memberships), the seat picks up (after a
ring delay, or through ``answer_seat`` when the seat is manual), ``OriginateResponse`` Success
(Reason 4) with the ActionID, the number is dialled on ``PJSIP/trunk-…`` and answers after a
few seconds, both are bridged (QueueMemberStatus 2) until one side hangs up (QueueMemberStatus
1). A seat already on the phone gets ``OriginateResponse`` Failure (Reason 5, busy); a seat
that does not pick up within 30 s, Failure (Reason 3). Callbacks are not offered calls: they
do not count in the tallies. A number listed in ``SimOptions.callback_answers`` does not
answer: ``DialEnd`` BUSY or CONGESTION after a second, NOANSWER after the dialplan's Dial()
timeout (60 s), then the number's leg and the seat's hang up (the dialplan's ``Hangup()``).
In a CoreShowChannels snapshot the seat's leg runs ``Dial`` and the number's ``AppDial``
"(Outgoing Line)", both with the BridgeId once bridged (``ami_actions.core_show_channels``).
"""

from __future__ import annotations

from callcenter.sim.calls import Call, CallSpec, Member
from callcenter.sim.channels import RINGING, UP, Channel
from callcenter.sim.engine import Simulator

PICKUP_TIMEOUT = 30.0
REMOTE_ANSWER = 3.0
DIAL_TIMEOUT = 60.0  # dialplans/extensions.conf [callbacks]: Dial(PJSIP/${EXTEN}@trunk,60)
REMOTE_FAILURES = {"BUSY": (1.0, 17), "CONGESTION": (1.0, 34), "NOANSWER": (DIAL_TIMEOUT, 19)}


def _memberships(sim: Simulator, interface: str) -> list[tuple[str, Member]]:
    return [(q.name, m) for q in sim.queues.values() for m in q.members if m.interface == interface]


def originate_from_seat(
    sim: Simulator, action_id: str | None, interface: str, context: str, exten: str
) -> None:
    r, s = sim.report, sim.stream
    linked = s.uniqueid()
    seat = Channel(s.tech_name(interface), linked, linked, context, exten, created=sim.now)
    seat.caller_num = seat.connected_num = exten
    seat.caller_name = seat.connected_name = ""

    def response(ok: bool, reason: int) -> None:
        r.ev(
            "OriginateResponse",
            "call",
            [
                ("ActionID", action_id or ""),
                ("Response", "Success" if ok else "Failure"),
                ("Channel", seat.name if ok else interface),
                ("Context", context),
                ("Exten", exten),
                ("Reason", str(reason)),
                ("Uniqueid", seat.uniqueid if ok else "<null>"),
                ("CallerIDNum", "<unknown>"),
                ("CallerIDName", "<unknown>"),
            ],
        )

    if interface in sim.phones:
        response(False, 5)
        return
    memberships = _memberships(sim, interface)
    remote = Channel(
        s.tech_name("PJSIP/trunk"), s.uniqueid(), linked, "from-pstn", exten, created=sim.now
    )
    call = Call(CallSpec(number=exten, kind="callback"), seat, remote, "", sim.now)
    call.state = "callback"
    call.seat_legs = [seat]
    sim.phones[interface] = call
    sim.channels[seat.name] = (seat, call)
    r.newchannel(seat)
    r.newstate(seat, RINGING)

    def statuses() -> None:
        for queue, m in memberships:
            conf = sim.queues[queue].conf
            r.ev("QueueMemberStatus", "agent", m.headers(queue, conf.wrapuptime))

    for _queue, m in memberships:
        m.ringing = call
    statuses()
    stage = {"answered": False, "bridged": False, "failed": False}
    failure = REMOTE_FAILURES.get(sim.options.callback_answers.get(exten, "ANSWER"))

    def pick_up() -> None:
        if call.state != "callback" or stage["answered"]:
            return
        sim.clock_sync()
        stage["answered"] = True
        call.cancel("pickup")
        r.newstate(seat, UP)
        response(True, 4)
        r.exten(seat, 1, "Dial", f"PJSIP/{exten}@trunk,{DIAL_TIMEOUT:g}")
        sim.channels[remote.name] = (remote, call)
        r.newchannel(remote)
        r.dial("DialBegin", seat, remote, [("DialString", f"{exten}@trunk")])
        if failure is None:
            call.timers["remote"] = sim.scheduler.after(REMOTE_ANSWER, remote_answer)
        else:
            call.timers["remote"] = sim.scheduler.after(failure[0], remote_fails, failure[1])

    def remote_fails(cause: int) -> None:
        if call.state != "callback":
            return
        sim.clock_sync()
        stage["failed"] = True
        status = sim.options.callback_answers[exten]
        r.dial("DialEnd", seat, remote, [("DialStatus", status)])
        r.hangup(remote, cause)
        end("agent")  # Dial() returned: the dialplan hangs the seat's leg up

    def remote_answer() -> None:
        if call.state != "callback":
            return
        stage["bridged"] = True
        r.newstate(remote, UP)
        r.dial("DialEnd", seat, remote, [("DialStatus", "ANSWER")])
        call.bridge = seat.bridge = remote.bridge = sim.stream.bridge_id()
        r.bridge("BridgeCreate", call.bridge, 0)
        r.bridge("BridgeEnter", call.bridge, 1, seat)
        r.bridge("BridgeEnter", call.bridge, 2, remote)
        for _queue, m in memberships:
            m.ringing, m.in_call = None, call
        statuses()
        talk = sim.options.talk_max * 10
        if interface in sim.manual:
            call.timers["hangup"] = sim.scheduler.after(600.0, end, "caller")
        else:
            call.timers["talk"] = sim.scheduler.after(talk, end, "agent")

    def end(by: str) -> None:
        if call.state != "callback":
            return
        sim.clock_sync()
        call.cancel()
        call.state = "done"
        if not stage["answered"]:
            response(False, 3)
        elif not stage["bridged"] and not stage["failed"]:
            r.dial("DialEnd", seat, remote, [("DialStatus", "CANCEL")])
        if stage["bridged"]:
            r.bridge("BridgeLeave", call.bridge, 1, remote if by == "agent" else seat)
            r.bridge("BridgeLeave", call.bridge, 0, seat if by == "agent" else remote)
            r.bridge("BridgeDestroy", call.bridge, 0)
        first, second = (seat, remote) if by == "agent" else (remote, seat)
        if stage["answered"] and not stage["failed"]:
            r.hangup(first)
            r.hangup(second)
        else:
            r.hangup(seat)
        for _queue, m in memberships:
            m.ringing = m.in_call = None
            m.last_call = sim.wall()
        sim.phones.pop(interface, None)
        sim.channels.pop(seat.name, None)
        sim.channels.pop(remote.name, None)
        statuses()
        for q in sim.queues.values():
            sim.distribute(q)

    call.direct_answer, call.direct_end = pick_up, end
    call.timers["pickup"] = sim.scheduler.after(PICKUP_TIMEOUT, end, "agent")
    if interface not in sim.manual:
        delay = sim.rng.uniform(sim.options.ring_min, sim.options.ring_max)
        call.timers["answer"] = sim.scheduler.after(delay, pick_up)
