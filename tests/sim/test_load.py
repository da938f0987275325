"""60 simultaneous callers, 20 seats, 10 simulated minutes: every call accounted for, as seen
by an AMI client over TCP (not only the simulator's own tally), and Count never above maxlen."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from callcenter.sim.ami_server import AmiServer
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions
from callcenter.sim.traffic import Traffic, load_scenario
from tests.sim import fidelity

ROOT = Path(__file__).resolve().parents[2]


def _run_tally(data: bytes) -> dict[str, object]:
    flags: dict[str, set[str]] = defaultdict(set)
    max_count = 0
    for msg in fidelity.messages(data):
        name = fidelity.kind(msg)
        linked = fidelity.get(msg, "Linkedid")
        channel = fidelity.get(msg, "Channel")
        if name == "Newchannel" and channel.endswith(";1") and "@from-pstn" in channel:
            flags[linked].add("offered")
        elif name in ("QueueCallerJoin", "QueueCallerLeave"):
            max_count = max(max_count, int(fidelity.get(msg, "Count")))
        elif name == "AgentConnect":
            flags[linked].add("answered")
        elif name == "QueueCallerAbandon":
            flags[linked].add("abandoned")
        elif name == "VarSet" and fidelity.get(msg, "Variable") == "QUEUESTATUS":
            flags[linked].add("full")
        elif name == "Hangup" and channel.endswith(";2") and "@from-pstn" in channel:
            flags[linked].add("ended")
    offered = [k for k, f in flags.items() if "offered" in f]
    outcome = {"answered": 0, "abandoned": 0, "overflowed": 0}
    for key in offered:
        f = flags[key]
        if "answered" in f:
            outcome["answered"] += 1
        elif "full" in f:
            outcome["overflowed"] += 1
        elif "abandoned" in f:
            outcome["abandoned"] += 1
    ended = sum(1 for key in offered if "ended" in flags[key])
    return {"offered": len(offered), "ended": ended, "max_count": max_count, **outcome}


@pytest.mark.slow
async def test_sixty_callers_twenty_seats_ten_minutes_all_accounted_for() -> None:
    queues = load_queues_conf(ROOT / "asterisk" / "queues.conf")
    assert len(queues["line19"].members) == 20
    scenario = load_scenario("saturation")
    sim = Simulator(queues, scenario.options(SimOptions(timestamps=True, noise=True)))
    server = AmiServer(sim, {"callcenter": "callcenter"}, port=0)
    await server.start()
    received = bytearray()
    try:
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"Action: Login\r\nUsername: callcenter\r\nSecret: callcenter\r\n\r\n")
        await writer.drain()
        async with asyncio.timeout(5):
            received.extend(await reader.readuntil(b"Authentication accepted\r\n\r\n"))

        async def pump() -> None:
            while data := await reader.read(1 << 20):
                received.extend(data)

        task = asyncio.create_task(pump())
        offered = Traffic(scenario).schedule(sim)
        driver = VirtualDriver(sim)
        peak = 0
        for _ in range(60):  # the 10 minutes, in 10 s steps, watching the room fill
            await driver.run_for(10)
            peak = max(peak, len(sim.calls))
        assert peak >= 60  # 60 simultaneous callers (and more, on the overflow path)
        for _ in range(200):  # then let every caller still on the line finish
            if not sim.calls:
                break
            await driver.run_for(30)
        assert not sim.calls
        writer.write(b"Action: Logoff\r\n\r\n")
        await writer.drain()
        async with asyncio.timeout(30):
            await task
        writer.close()
    finally:
        await server.stop()

    assert sim.scheduler.errors == 0
    seen = _run_tally(bytes(received))
    t = sim.tally
    assert seen["offered"] == offered == t.offered
    assert seen["ended"] == offered  # every caller's line was hung up in the end
    assert (seen["answered"], seen["abandoned"], seen["overflowed"]) == (
        t.answered,
        t.abandoned,
        t.overflowed,
    )
    assert t.answered + t.abandoned + t.overflowed == t.offered
    assert t.answered > 0 and t.abandoned > 0 and t.overflowed > 0  # the load hit every path
    assert seen["max_count"] == 60 == queues["line19"].maxlen  # reached, never exceeded


async def test_same_seed_same_calls() -> None:
    scenario = load_scenario("mass-casualty")
    first, second = Traffic(scenario), Traffic(scenario)
    assert first.arrivals() == second.arrivals()
    assert [first.caller() for _ in range(50)] == [second.caller() for _ in range(50)]
    assert len(Traffic(scenario).arrivals()) >= 300
