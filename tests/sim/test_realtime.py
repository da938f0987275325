"""The simulator on the wall clock (time factor), as ``callcenter simulate`` runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from callcenter.sim.agi import AgiClient
from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import RealtimeDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions
from callcenter.sim.runner import SimulatorConfig, SimulatorService, progress
from tests.sim import fidelity

ROOT = Path(__file__).resolve().parents[2]


async def test_service_serves_ami_and_plays_calls_at_a_time_factor() -> None:
    config = SimulatorConfig(
        queues=load_queues_conf(ROOT / "asterisk" / "queues.conf"),
        credentials={"callcenter": "pw"},
        ami_port=0,
        control_port=None,
        time_factor=50.0,
    )
    service = SimulatorService(config)
    stop = asyncio.Event()
    async with service:
        runner = asyncio.create_task(service.run(stop))
        reader, writer = await asyncio.open_connection(*service.ami.address)
        writer.write(b"Action: Login\r\nUsername: callcenter\r\nSecret: pw\r\n\r\n")
        await writer.drain()
        service.sim.new_call(CallSpec(number="0612121212", patience=60, talk=10))
        async with asyncio.timeout(10):
            data = await reader.readuntil(b"Event: AgentComplete\r\n")
        assert b"Authentication accepted" in data and b"Event: AgentConnect\r\n" in data
        assert "answered 0" in progress(service.sim) or "answered 1" in progress(service.sim)
        writer.close()
        stop.set()
        await runner
    assert service.sim.scheduler.errors == 0


async def test_caller_hanging_up_during_the_agi_sends_hangup() -> None:
    seen: list[bytes] = []
    done = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readline() != b"\n":
                pass
            seen.append(await reader.readline())  # nothing asked yet: the unsolicited HANGUP
            # As Asterisk 20 answered (shared/asterisk/fastagi-env.txt, session 2): variables
            # still read on the dead channel, media commands are refused.
            writer.write(b"GET VARIABLE CALLERID(num)\n")
            seen.append(await reader.readline())
            writer.write(b'STREAM FILE beep ""\n')
            seen.append(await reader.readline())
        finally:
            writer.close()
            done.set()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"agi://127.0.0.1:{port}/qualify"
    client = AgiClient(url, budget=5.0)
    sim = Simulator(
        load_queues_conf(ROOT / "asterisk" / "queues.conf"),
        SimOptions(agi_url=url, agi_budget=5.0),
        agi_starter=client.start,
    )
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))
    driver = RealtimeDriver(sim, factor=10.0)
    stop = asyncio.Event()
    runner = asyncio.create_task(driver.run(stop))
    try:
        sim.new_call(CallSpec(number="0612121212", lifetime=1.0))  # hangs up 0.1 s wall later
        async with asyncio.timeout(5):
            await done.wait()
            await sim.settle()
    finally:
        stop.set()
        await runner
        server.close()
        await server.wait_closed()
    assert seen == [
        b"HANGUP\n",
        b"200 result=1 (0612121212)\n",
        b"511 Command Not Permitted on a dead channel or intercept routine\n",
    ]
    msgs = fidelity.messages(b"".join(got))
    assert not any(fidelity.kind(m) == "QueueCallerJoin" for m in msgs)
    assert sim.tally.abandoned == 1 and not sim.calls


def test_a_timer_that_catches_up_does_not_run_other_timers_inside_itself() -> None:
    from callcenter.sim.clock import Scheduler

    sched = Scheduler(epoch=1_800_000_000.0)
    order: list[str] = []

    def first() -> None:
        order.append("first-start")
        sched.run_due(10.0)  # what clock_sync does from inside a timer, in real time
        order.append("first-end")

    sched.at(1.0, first)
    sched.at(2.0, order.append, "second")
    sched.run_due(5.0)
    assert order == ["first-start", "first-end", "second"]
    assert sched.now == 5.0
