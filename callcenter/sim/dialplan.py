"""The room's dialplan as the simulator plays it: ``[from-pstn] 19`` up to ``Queue()``, and the
``[overflow]`` path.

A caller enters like the recording rig's callers (a Local channel pair into ``19@from-pstn``;
the ``;2`` leg is the queue caller), runs the FastAGI when the simulator has an ``agi_url``
(the AGI's ``SET VARIABLE``s are applied: ``QUEUE_PRIO``, and the overflow variable, default
``CALLCENTER_ROUTE=overflow``), then joins the queue. A full queue (``maxlen``) gives
``QUEUESTATUS=FULL`` and no queue event; the overflow path (``overflow.py``) plays its loop:
an announcement, ``Wait(overflow_retry)``, callcenter asked again, the queue tried again, for
as long as the caller stays: never a hang-up.

Functions over the ``Simulator`` seen as a ``DialplanFlow`` (``flow.py``).
"""

from __future__ import annotations

import re

from callcenter.sim import overflow as overflow_loop
from callcenter.sim.calls import Call, CallSpec
from callcenter.sim.channels import RING, UP, Channel
from callcenter.sim.flow import DialplanFlow
from callcenter.sim.queue import Queue

# The contexts and extensions of dialplans/extensions.conf that the simulator plays, by
# Asterisk's pattern rules: what an AMI Originate or BlindTransfer may name (the tests in
# tests/pbx check them against the file and against what callcenter's code uses).
CONTEXTS: dict[str, tuple[str, ...]] = {
    "from-pstn": ("19",),
    "overflow": ("s",),
    "transfer": ("requeue", "_seatXX"),  # sim/transfer.py
    "callbacks": ("_X.", "_+X."),  # sim/callbacks.py
}
_PATTERN = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}


def exists(context: str, exten: str) -> bool:
    """Whether ``exten`` dials an extension of ``context`` (``ast_exists_extension``)."""
    for name in CONTEXTS.get(context, ()):
        if not name.startswith("_"):
            if name == exten:
                return True
            continue
        regex = "".join(_PATTERN.get(c.upper(), re.escape(c)) for c in name[1:])
        if re.fullmatch(regex, exten):
            return True
    return False


def enter(sim: DialplanFlow, spec: CallSpec) -> Call:
    """A caller dials 19: channels, dialplan up to the AGI or the queue."""
    sim.clock_sync()
    r, s = sim.report, sim.stream
    linked = s.uniqueid()
    base = s.local_name("19", "from-pstn")
    leg1 = Channel(f"{base};1", linked, linked, "from-pstn", "19", created=sim.now)
    leg2 = Channel(
        f"{base};2", s.uniqueid(), linked, "from-pstn", "19", state=RING, created=sim.now
    )
    queue = spec.queue if spec.queue in sim.queues else next(iter(sim.queues))
    call = Call(spec, leg1, leg2, queue, sim.now)
    sim.calls[call.id] = call
    sim.channels[leg1.name] = (leg1, call)
    sim.channels[leg2.name] = (leg2, call)
    sim.tally.offered += 1
    name = spec.name
    r.newchannel(leg1)
    r.newchannel(leg2)
    r.exten(leg1, 1, "AppDial2", "(Outgoing Line)")
    for key, value in spec.variables:
        r.var(leg1, key, value)
    r.callerid(leg1, spec.number, name or "")
    r.connected(leg1, spec.number, name or "")
    for key, value in spec.variables:
        r.var(leg2, key, value)
    r.callerid(leg2, spec.number, name or "")
    r.connected(leg2, spec.number, name or "")
    r.local_bridge(leg1, leg2)
    r.dial("DialBegin", None, leg1, [("DialString", "19@from-pstn")])
    if spec.originate_action_id is not None:
        originate_response(sim, call)
    r.exten(leg2, 1, "NoOp", f'Line 19 inbound from "{name}" <{spec.number}>')
    r.exten(leg2, 2, "Answer", "")
    r.newstate(leg1, UP)
    r.newstate(leg2, UP)
    r.dial("DialEnd", None, leg1, [("DialStatus", "ANSWER")])
    r.device("Local/19@from-pstn", "INUSE")
    leg1.context, leg1.exten = "callers", "caller"
    r.exten(leg1, 1, "NoOp", f"caller, patience {spec.patience:g}")
    r.exten(leg1, 2, "Wait", f"{spec.patience:g}")
    if not name:
        name = f"PSTN {spec.number}"
        r.exten(leg2, 3, "Set", f"CALLERID(name)={name}")
        r.callerid(leg2, spec.number, name)
    else:
        r.exten(leg2, 3, "Set", f"CALLERID(name)={name}")
    r.exten(leg2, 4, "Set", "__LINE=19")
    r.var(leg2, "__LINE", "19")
    if spec.lifetime is not None:
        call.timers["hangup"] = sim.scheduler.after(spec.lifetime, sim.caller_hangup, call)
    call.prio = spec.priority or 0
    if spec.priority is not None:
        leg2.variables["QUEUE_PRIO"] = str(spec.priority)
    if sim.options.agi_url and sim.has_agi:
        r.exten(leg2, 5, "GotoIf", "0?queue")
        r.exten(leg2, 6, "AGI", sim.options.agi_url)
        call.state = "agi"
        future = sim.start_agi(call)
        if future is not None:
            sim.track(future)
            return call
    else:
        r.exten(leg2, 5, "GotoIf", "1?queue")
    to_queue(sim, call)
    return call


def originate_response(sim: DialplanFlow, call: Call) -> None:
    leg1, spec = call.leg1, call.spec
    sim.report.ev(
        "OriginateResponse",
        "call",
        [
            ("ActionID", spec.originate_action_id or ""),
            ("Response", "Success"),
            ("Channel", leg1.name),
            ("Context", "callers"),
            ("Exten", "caller"),
            ("Reason", "4"),
            ("Uniqueid", leg1.uniqueid),
            ("CallerIDNum", spec.number),
            ("CallerIDName", spec.name),
        ],
    )


def agi_done(sim: DialplanFlow, call: Call, status: str, variables: dict[str, str]) -> None:
    """The AGI ended (or its budget ran out): apply what it set, continue the dialplan."""
    sim.clock_sync()
    if call.state != "agi":
        return
    leg2 = call.leg2
    for key, value in variables.items():
        sim.report.var(leg2, key, value)
    sim.report.var(leg2, "AGISTATUS", status)
    if call.overflow_tries > 0:  # the overflow loop asking again
        overflow_loop.agi_done(sim, call)
        return
    prio = leg2.variables.get("QUEUE_PRIO", "")
    sim.report.exten(leg2, 7, "NoOp", f"AGISTATUS={status} QUEUE_PRIO={prio}")
    try:
        call.prio = int(prio) if prio else call.prio
    except ValueError:
        call.prio = 0
    route = leg2.variables.get(sim.options.overflow_variable, "")
    if route == sim.options.overflow_value:
        call.state = "entry"
        sim.report.exten(leg2, 8, "Goto", "overflow,s,1")
        overflow(sim, call, sim.queue(call.queue), status="ROUTED")
        return
    to_queue(sim, call)


def to_queue(sim: DialplanFlow, call: Call) -> None:
    leg2 = call.leg2
    sim.report.exten(leg2, 8, "Set", f"QUEUE_PRIO={call.prio}")
    sim.report.var(leg2, "QUEUE_PRIO", str(call.prio))
    sim.report.exten(leg2, 9, "Queue", f"{call.queue},,,,120")
    sim.join(call)


def overflow(sim: DialplanFlow, call: Call, q: Queue, *, status: str) -> None:
    """The queue did not take the caller (``status`` FULL) or callcenter routed it to the
    overflow path (ROUTED): ``[overflow]`` (``overflow.py``), or its next round if the caller
    is already in it."""
    r, leg2 = sim.report, call.leg2
    looping = call.overflow_tries > 0
    call.state = "overflow"
    if not call.overflowed:  # a fact about the caller's path, not an outcome
        sim.tally.overflowed += 1
    call.overflowed = True
    sim.tally.overflow_events += 1
    r.var(leg2, "QUEUESTATUS", status, always=True)
    if "hangup" not in call.timers and call.spec.lifetime is None:
        call.timers["hangup"] = sim.scheduler.after(call.spec.patience, sim.caller_hangup, call)
    if looping:
        overflow_loop.queue_full(sim, call)
        return
    r.exten(leg2, 10, "NoOp", f"QUEUESTATUS={status}")
    r.exten(leg2, 11, "UserEvent", f"QueueResult,Queue: {q.name},QueueStatus: {status}")
    r.user_event(leg2, "QueueResult", [("Queue", q.name), ("QueueStatus", status)])
    r.exten(leg2, 12, "Goto", "overflow,s,1")
    overflow_loop.start(sim, call)
