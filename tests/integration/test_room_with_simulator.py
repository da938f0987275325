"""The whole room against the PBX simulator over real sockets: AMI, FastAGI, HTTP, websockets.

Nothing is faked: the simulator speaks AMI and calls the FastAGI server as Asterisk does, the
bridge follows it, operators and dispatchers act through the API.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.demo import DEMO_PASSWORD, seed_demo_users
from callcenter.settings import AgiSettings, AmiSettings, ApiSettings, Settings
from callcenter.sim.calls import CallSpec
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.api.live_client import Feed, feed
from tests.databases import sqlite_url

SEATS = [f"PJSIP/seat{n:02d}" for n in range(1, 21)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    room: Room
    sim: SimulatorService
    store: TimelineStore
    base: str


@asynccontextmanager
async def running_room(tmp_path: Path) -> AsyncIterator[Running]:
    settings = Settings(
        demo=True,
        data_dir=tmp_path,
        ami=AmiSettings(port=free_port()),
        agi=AgiSettings(port=free_port(), budget_ms=1000),
        api=ApiSettings(port=free_port()),
    )
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    store = TimelineStore(engine)
    await seed_demo_users(UserStore(engine), Passwords())
    config = SimulatorConfig(
        queues=load_queues(None),
        credentials={"callcenter": "callcenter"},
        ami_port=settings.ami.port,
        control_port=None,
        agi_url=f"agi://127.0.0.1:{settings.agi.port}/qualify",
        agi_budget=2.0,
    )
    stop = asyncio.Event()
    room = Room(settings, store)
    async with SimulatorService(config) as sim:
        sim_task = asyncio.create_task(sim.run(stop))
        room_task = asyncio.create_task(room.run(stop))
        base = f"http://127.0.0.1:{settings.api.port}"
        try:
            async with asyncio.timeout(20):
                await room.client.logged_in.wait()
                async with httpx.AsyncClient(base_url=base) as http:
                    while True:
                        try:
                            if (await http.get("/healthz")).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.05)
            yield Running(room, sim, store, base)
        finally:
            stop.set()
            async with asyncio.timeout(60):
                await room_task
                await sim_task
    await engine.dispose()


async def token(http: httpx.AsyncClient, user: str) -> str:
    reply = await http.post("/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


async def until(feed_: Feed, kind: str, wait: float = 20.0) -> dict[str, object]:
    async with asyncio.timeout(wait):
        while True:
            message = await feed_.recv(wait)
            if message.get("type") == "event" and message.get("kind") == kind:
                return message


async def eventually(condition: Callable[[], Awaitable[bool]], seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not true after {seconds} s: {condition.__name__}")


async def kinds(store: TimelineStore, call_id: str) -> list[str]:
    return [s["kind"] for s in await store.timeline(call_id)]


@pytest.mark.slow
async def test_a_call_from_ring_to_radio_hand_off(tmp_path: Path) -> None:
    async with running_room(tmp_path) as r, httpx.AsyncClient(base_url=r.base) as http:
        for interface in SEATS:
            r.sim.sim.manual.add(interface)  # phones answered by people, through the API
            if interface != "PJSIP/seat03":
                await r.room.pbx.seat_pause("line19", interface, "briefing")
        op03_t, op04_t = await token(http, "op03"), await token(http, "op04")
        sup_t = await token(http, "supervisor")
        async with (
            feed(r.base, "operator", op03_t) as (seat3, _),
            feed(r.base, "operator", op04_t) as (seat4, _),
            feed(r.base, "supervisor", sup_t) as (supervisor, _),
        ):
            call = r.sim.sim.new_call(CallSpec(number="0612345678", patience=300, talk=300))
            offer = await until(seat3, "offered")
            assert (offer["call_id"], offer["seat"]) == (call.id, "Seat 03")
            assert (await until(supervisor, "queued"))["call_id"] == call.id
            with pytest.raises(TimeoutError):  # Seat 04 is told nothing about it
                await until(seat4, "offered", wait=1.0)

            me = {"Authorization": f"Bearer {op03_t}"}
            assert (await http.post("/me/call/answer", headers=me)).status_code == 200
            await until(seat3, "answered")
            handoff = await http.post(
                "/me/call/handoff",
                headers=me,
                json={
                    "incident_type": "road_accident",
                    "priority": "P1",
                    "address": "Bd Zerktouni, Casablanca",
                    "latitude": 33.589,
                    "longitude": -7.63,
                },
            )
            assert handoff.status_code == 200, handoff.text
            ticket = handoff.json()["ticket_id"]

            radio = {"Authorization": f"Bearer {await token(http, 'dispatcher')}"}

            async def pending() -> bool:
                tickets = (await http.get("/dispatch/tickets", headers=radio)).json()
                return ticket in [t["id"] for t in tickets]

            await eventually(pending, 10)
            ack = await http.post(
                f"/dispatch/tickets/{ticket}/ack", headers=radio, json={"unit": "CAR-02"}
            )
            assert ack.status_code == 200, ack.text
            assert (await http.post("/me/call/hangup", headers=me)).status_code == 200

            auditor = {"Authorization": f"Bearer {await token(http, 'auditor')}"}

            async def closed() -> bool:
                return "closed" in await kinds(r.store, call.id)

            await eventually(closed, 15)
            steps = (await http.get(f"/audit/calls/{call.id}/timeline", headers=auditor)).json()
            seen = [s["kind"] for s in (steps["steps"] if isinstance(steps, dict) else steps)]
            # The bridge's "entered" and the FastAGI's "entry_decision" may come in either order.
            assert set(seen[:2]) == {"entered", "entry_decision"}, seen
            expected = ["queued", "offered", "answered", "qualified"]
            expected += ["dispatch_sent", "handed_off", "line_ended", "closed"]
            assert [k for k in seen if k in expected] == expected, seen
            log = (await http.get("/audit/access-log", headers=auditor)).json()
            assert call.id in str(log)


@pytest.mark.slow
async def test_eighty_callers_into_a_sixty_call_room(tmp_path: Path) -> None:
    async with running_room(tmp_path) as r:
        for interface in SEATS:  # nobody answers: every admitted caller waits
            r.sim.sim.manual.add(interface)
            await r.room.pbx.seat_pause("line19", interface, "shift change")
        calls = [r.sim.sim.new_call(CallSpec(number=f"06{n:08d}", patience=600)) for n in range(80)]

        async def all_decided() -> bool:
            decided = 0
            for c in calls:
                steps = await r.store.timeline(c.id)
                kinds_ = {s["kind"] for s in steps if s["payload"].get("reason")}
                decided += bool(kinds_ & {"entered", "entry_decision"})
            return decided == 80

        await eventually(all_decided, 60)
        await r.room.runner.drain()
        routes: dict[str, int] = {}
        for c in calls:
            steps = await r.store.timeline(c.id)
            decision = next(s for s in steps if s["kind"] == "entry_decision")
            route = decision["payload"]["route"]
            assert decision["payload"]["reason"], decision
            routes[route] = routes.get(route, 0) + 1
        assert routes == {"queue": 60, "overflow": 20}
        assert max(q.conf.maxlen for q in r.sim.sim.queues.values()) == 60
        assert sum(len(q.entries) for q in r.sim.sim.queues.values()) == 60
        tally = r.sim.sim.tally
        # the overflow path keeps them on the line: none hung up, none dropped
        assert (tally.offered, tally.overflow_events, tally.abandoned) == (80, 20, 0)
