"""One vocabulary of outcomes (issue 14, item 8): on every packaged scenario, run a few
simulated minutes in virtual time, feed what the simulator sent over AMI through the bridge,
the pipeline and the store, and check that the simulator's tallies, the export, the queue
statistics and ``/calls/active``'s query agree exactly, call for call.

The cut is taken mid-scenario on purpose: callers still on the line are undecided on both
sides, and a caller answered but still talking is already ``answered`` on both sides.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.ami.ingest import ingest_streams
from callcenter.audit.export import export_calls
from callcenter.sim.ami_server import AmiServer
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions
from callcenter.sim.traffic import Traffic, load_scenario, packaged_scenarios
from callcenter.stats.queue import compute
from callcenter.stats.source import read_facts
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.search import CallSearch
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import make_room
from tests.databases import sqlite_url

ROOT = Path(__file__).resolve().parents[2]
MINUTES = 4  # mass-casualty's burst starts at 1:00: by 4:00 the room is full and overflowing


async def simulate(name: str) -> tuple[Simulator, bytes]:
    """The scenario's first MINUTES in virtual time, and the AMI bytes a client received."""
    queues = load_queues_conf(ROOT / "asterisk" / "queues.conf")
    scenario = load_scenario(name)
    sim = Simulator(queues, scenario.options(SimOptions(timestamps=True, noise=False)))
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
        Traffic(scenario).schedule(sim)
        await VirtualDriver(sim).run_for(MINUTES * 60)
        writer.write(b"Action: Logoff\r\n\r\n")
        await writer.drain()
        async with asyncio.timeout(30):
            await task
        writer.close()
    finally:
        await server.stop()
    assert sim.scheduler.errors == 0
    return sim, bytes(received)


@pytest.mark.parametrize("name", packaged_scenarios())
async def test_tallies_export_and_statistics_agree(name: str, tmp_path: Path) -> None:
    sim, data = await simulate(name)
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    try:
        room = make_room(store)
        room.runner.start()
        await ingest_streams([(name, data)], room.bridge, room.runner)
        await room.runner.close()
        assert room.runner.stats.failed == 0

        exported = [c async for c in export_calls(store)]
        outcomes = Counter(c["outcome"] for c in exported)
        answered = sum(outcomes[o] for o in ("answered", "transferred", "handed_off"))
        t = sim.tally
        assert len(exported) == t.offered
        assert set(outcomes) <= {"answered", "transferred", "handed_off", "abandoned", None}
        assert (answered, outcomes["abandoned"]) == (t.answered, t.abandoned)
        assert sum(1 for c in exported if c["reached_overflow"]) == t.overflowed
        # undecided: exactly the callers still on the line, nobody answered yet
        waiting = [c for c in sim.calls.values() if not c.answered]
        assert outcomes[None] == len(waiting)

        now = datetime.fromtimestamp(sim.scheduler.wall(), UTC) + timedelta(seconds=1)
        facts = await read_facts(engine, now)
        stats = compute(
            now=now,
            window="shift",
            answered=facts.answered,
            abandoned=facts.abandoned,
            waiting_since=facts.waiting_since,
            seats=[],
        )
        assert (stats.answered, stats.abandoned) == (t.answered, t.abandoned)
        # every decided call has its wait from entry, never shorter than Asterisk's HoldTime
        for c in exported:
            if c["outcome"] is not None:
                assert c["wait_seconds"] is not None, c["id"]
                assert c["wait_seconds"] >= (c["hold_seconds"] or 0) - 1, c["id"]
        # /calls/active: the calls whose line is still up, no more
        assert len(await CallSearch(engine).active(limit=10_000)) == len(sim.calls)
        if name == "mass-casualty":  # the scenario reaches every path
            assert t.answered and t.abandoned and t.overflowed
    finally:
        await engine.dispose()
