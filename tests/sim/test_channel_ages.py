"""CoreShowChannels' ``Duration`` is each channel's own age, as Asterisk reports it: the
bridge's resync dates a call it did not see enter from its channels' ages (``domain/resync``),
so a leg created when the caller reached the queue or a seat's channel created when it rang
must not report the age of the simulation."""

from __future__ import annotations

from callcenter.sim.ami_actions import core_show_channels
from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.engine import Simulator
from callcenter.sim.frames import Action
from callcenter.sim.options import SimOptions
from callcenter.sim.runner import load_queues


def ages(sim: Simulator) -> dict[str, int]:
    text = core_show_channels(sim, Action([("Action", "CoreShowChannels"), ("ActionID", "1")]))
    out = {}
    for block in text.decode().split("\r\n\r\n"):
        h = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
        if h.get("Event") == "CoreShowChannel":
            hours, minutes, seconds = (int(x) for x in h["Duration"].split(":"))
            out[h["Channel"]] = hours * 3600 + minutes * 60 + seconds
    return out


async def test_every_channel_reports_its_own_age() -> None:
    sim = Simulator(
        load_queues(None), SimOptions(seed=3, epoch=1796155260.0, ring_min=5, ring_max=5)
    )
    driver = VirtualDriver(sim)
    await driver.run_for(30)  # a room that has been up a while
    sim.enter(CallSpec(number="0500000001", patience=120, talk=60))
    await driver.run_for(7)  # past the greeting and the AGI, a seat ringing

    found = ages(sim)
    assert found and any("PJSIP/" in name for name in found)  # the caller's legs and a seat's
    assert all(age <= 7 for age in found.values()), found
