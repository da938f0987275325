"""The ``[overflow]`` context of ``dialplans/extensions.conf``, played step by step.

``overflow_plan.LOOP`` lists the loop's applications as the file has them, from its ``loop``
label (the tests in ``tests/pbx`` compare the two). Each application behaves as Asterisk 20's
does when it cannot do its job: it **returns at once**. A missing prompt (``Playback``), a missing
music-on-hold class (``MusicOnHold``/``StartMusicOnHold``: ``SimOptions.moh_classes``), an
unreachable or refusing AGI server and a full queue take no time at all; only ``Wait()`` is
sure to take its time (a hang-up alone cuts it short). The simulator plays no audio, so a
prompt that exists takes no time either. A loop whose every step returned at once would spin
as on the real PBX; the simulator stops such a caller's loop after ``SPIN_LIMIT`` rounds at
one instant (the caller stays on the line until it hangs up), counts it in
``Tally.overflow_spins`` and logs it, instead of hanging. ``SimOptions.overflow_loop`` can
play another loop (the tests play the unpaced one Asterisk spun on).

Each AGI round is counted on the call (``Call.agi_rounds``).
"""

from __future__ import annotations

import logging

from callcenter.sim.calls import Call
from callcenter.sim.flow import DialplanFlow
from callcenter.sim.overflow_plan import FIRST

log = logging.getLogger(__name__)

SPIN_LIMIT = 1000


def start(sim: DialplanFlow, call: Call) -> None:
    """``Goto(overflow,s,1)``: the caller enters the loop at its first round."""
    leg2 = call.leg2
    leg2.context, leg2.exten = "overflow", "s"
    status = leg2.variables.get("QUEUESTATUS", "")
    sim.report.exten(leg2, 1, "NoOp", f"overflow: {leg2.name} QUEUESTATUS={status}")
    sim.report.exten(leg2, 2, "Set", "OVERFLOW_TRIES=0")
    call.overflow_tries = 0
    run(sim, call, 0)


def queue_full(sim: DialplanFlow, call: Call) -> None:
    """``Queue()`` in the loop returned (FULL): on to the step after it."""
    run(sim, call, _index(sim, "Queue") + 1)


def run(sim: DialplanFlow, call: Call, pc: int) -> None:
    """Play steps from ``pc`` until one takes time, hands over (AGI, Queue) or the call ends."""
    call.timers.pop("overflow", None)
    loop = sim.options.overflow_loop
    leg2 = call.leg2
    while call.state == "overflow":
        if pc >= len(loop):
            return
        app, data = loop[pc]
        sim.report.exten(leg2, FIRST + pc, app, _expand(sim, call, data))
        if pc == 0:
            call.overflow_tries += 1
            if _spinning(sim, call):
                return
        delay = _step(sim, call, app, data)
        if delay is None:  # handed over: the AGI's end or the queue continues the call
            return
        if (app == "GotoIf" and delay < 0) or app == "Goto":
            pc = 0
            continue
        pc += 1
        if delay > 0:
            call.timers["overflow"] = sim.scheduler.after(delay, run, sim, call, pc)
            return


def agi_done(sim: DialplanFlow, call: Call) -> None:
    """The retry's AGI ended: on to the ``GotoIf`` after it."""
    call.state = "overflow"
    run(sim, call, _index(sim, "AGI") + 1)


def _step(sim: DialplanFlow, call: Call, app: str, data: str) -> float | None:
    """Do one application: seconds it takes (>= 0), -1 for a GotoIf that jumps, None when
    something else continues the call."""
    r, leg2 = sim.report, call.leg2
    if app == "Set":
        name, _, value = data.partition("=")
        if name != "OVERFLOW_TRIES":
            r.var(leg2, name, value)
        else:
            r.var(leg2, name, str(call.overflow_tries))
        return 0.0
    if app in ("MusicOnHold", "StartMusicOnHold"):
        musicclass, _, duration = data.partition(",")
        if musicclass not in sim.options.moh_classes:
            sim.tally.moh_failures += 1  # "Unable to start music on hold class": at once
            return 0.0
        r.moh(leg2, True, musicclass)
        if app == "StartMusicOnHold":
            call.moh = True
            return 0.0
        seconds = float(_expand(sim, call, duration) or 0)
        call.timers["moh_stop"] = sim.scheduler.after(seconds, r.moh, leg2, False)
        return seconds
    if app == "StopMusicOnHold":
        if call.moh:
            call.moh = False
            r.moh(leg2, False)
        return 0.0
    if app == "Wait":
        return max(float(_expand(sim, call, data) or 0), 0.0)
    if app == "AGI":
        return _agi(sim, call)
    if app == "GotoIf":
        ok = leg2.variables.get("AGISTATUS") == "SUCCESS"
        route = leg2.variables.get(sim.options.overflow_variable, "")
        return -1.0 if ok and route == sim.options.overflow_value else 0.0
    if app == "Queue":
        if call.moh:
            call.moh = False
            r.moh(leg2, False)
        sim.join(call)
        return None
    return 0.0  # NoOp, Playback (no audio in the simulator), Goto


def _agi(sim: DialplanFlow, call: Call) -> float | None:
    leg2 = call.leg2
    leg2.variables.pop("AGISTATUS", None)
    if not sim.options.agi_url or not sim.has_agi:
        return 0.0  # no AGI configured: GotoIf sees no SUCCESS, the caller tries the queue
    call.agi_rounds += 1
    call.agi_query = f"?retry={call.overflow_tries}"
    call.state = "agi"
    future = sim.start_agi(call)
    if future is None:
        call.state = "overflow"
        return 0.0
    sim.track(future)
    return None


def _spinning(sim: DialplanFlow, call: Call) -> bool:
    at, rounds = call.spin
    call.spin = (sim.now, rounds + 1 if at == sim.now else 1)
    if call.spin[1] <= SPIN_LIMIT:
        return False
    sim.tally.overflow_spins += 1
    log.error(
        "overflow: %s made %d rounds at one instant: the loop is not paced; stopped",
        call.leg2.name,
        SPIN_LIMIT,
    )
    return True  # the caller stays on the line, still "overflow", until it hangs up


def _index(sim: DialplanFlow, app: str) -> int:
    return next(i for i, (a, _) in enumerate(sim.options.overflow_loop) if a == app)


def _expand(sim: DialplanFlow, call: Call, data: str) -> str:
    values = {
        "OVERFLOW_TRIES": str(call.overflow_tries),
        "OVERFLOW_RETRY_WAIT": f"{sim.options.overflow_retry:g}",
        "CALLCENTER_AGI": sim.options.agi_url or "",
        "QUEUESTATUS": call.leg2.variables.get("QUEUESTATUS", ""),
    }
    for name, value in values.items():
        data = data.replace("${" + name + "}", value)
    return data
