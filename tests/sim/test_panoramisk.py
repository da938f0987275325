"""The real panoramisk Manager (1.4) against the simulator: login, events, a list action, and
a dropped connection it recovers from (control hook ``AmiServer.drop_all``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from panoramisk import Manager

from callcenter.sim.ami_server import AmiServer
from callcenter.sim.calls import CallSpec
from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import load_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions

ROOT = Path(__file__).resolve().parents[2]


async def _until(predicate: Any, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - polling panoramisk state
            await asyncio.sleep(0.01)


async def test_panoramisk_logs_in_and_receives_the_call() -> None:
    sim = Simulator(load_queues_conf(ROOT / "asterisk" / "queues.conf"), SimOptions(seed=3))
    server = AmiServer(sim, {"callcenter": "s3cret"}, port=0)
    await server.start()
    events: list[Any] = []
    logins: list[bool] = []
    manager = Manager(
        loop=asyncio.get_running_loop(),
        host=server.address[0],
        port=server.address[1],
        username="callcenter",
        secret="s3cret",
        ping_delay=60,
        reconnect_timeout=1,
        on_login=lambda _m: logins.append(True),
    )
    manager.register_event("*", lambda _m, event: events.append(event))
    try:
        await manager.connect()
        # connect() returns before the login completes (shared/LIBRARIES.md)
        await _until(lambda: bool(logins))
        assert manager.authenticated

        sim.new_call(CallSpec(number="0612345678", patience=60, talk=20))
        await VirtualDriver(sim).run_for(40)
        await _until(lambda: any(e.event == "AgentComplete" for e in events))
        names = [e.event for e in events]
        for name in ("QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete"):
            assert name in names
        assert names.index("QueueCallerLeave") < names.index("AgentConnect")
        connect = next(e for e in events if e.event == "AgentConnect")
        assert connect["MemberName"].startswith("Seat ")
        assert connect["Interface"].startswith("PJSIP/seat")

        reply = await asyncio.wait_for(
            manager.send_action({"Action": "QueueSummary", "Queue": "line19"}), 5
        )
        items = [m for m in reply if m.get("Event") == "QueueSummary"]
        assert items and items[0]["LoggedIn"] == "20"
        assert reply[-1]["EventList"] == "Complete"

        # a network failure: panoramisk reconnects and logs in again
        assert server.drop_all() == 1
        await _until(lambda: len(logins) == 2, seconds=10)
        sim.new_call(CallSpec(number="0612345679", patience=60, talk=20))
        before = len(events)
        await VirtualDriver(sim).run_for(5)
        await _until(lambda: any(e.event == "QueueCallerJoin" for e in events[before:]))
    finally:
        manager.connection_lost = lambda _exc: None  # close() would not stop the reconnect loop
        manager.close()
        await server.stop()
