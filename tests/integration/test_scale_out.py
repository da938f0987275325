"""Scale-out against the PBX simulator: one bridge, two API-only processes, PostgreSQL + Redis.

The bridge (``Room.run(with_api=False)``, as ``callcenter serve --role bridge`` runs it) runs
here with the simulator; each API process is ``python -m callcenter serve --role api`` in a
process of its own. They share nothing but the PostgreSQL database and Redis (unique key
names per test). Operators and supervisors act only through the API processes.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from callcenter.api.errors import status_for
from callcenter.assembly.api import live_log
from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.demo import seed_demo_users
from callcenter.errors import PbxRejectedError
from callcenter.settings import (
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DatabaseSettings,
    DispatchSettings,
    RedisSettings,
    Settings,
)
from callcenter.sim.calls import CallSpec
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.api.live_client import Feed, feed
from tests.api.logs import REDIS_URL
from tests.databases import postgres_database
from tests.integration.test_room_with_simulator import (
    SEATS,
    eventually,
    free_port,
    kinds,
    token,
    until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SECRET = "scale-out-test-secret-0123456789-abcdef"
METRICS_TOKEN = "prometheus-scrape-token-for-tests"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Bridge:
    room: Room
    sim: SimulatorService
    store: TimelineStore
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def stop_bridge(self) -> None:
        self.stop.set()
        async with asyncio.timeout(60):
            await self.task


def shared_settings(db_url: str, prefix: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=db_url),
        redis=RedisSettings(
            url=REDIS_URL,
            live_stream=f"{prefix}:live",
            dispatch_stream=f"{prefix}:dispatch",
            bridge_prefix=prefix,
        ),
        # the bridge puts acknowledgements made in API processes on the timeline this often
        dispatch=DispatchSettings(escalation_check_seconds=0.2),
        ami=AmiSettings(port=free_port()),
        agi=AgiSettings(port=free_port(), budget_ms=1000),
        api=ApiSettings(
            port=free_port(),
            jwt_secret=SECRET,
            stats_interval=None,
            metrics_token=SecretStr(METRICS_TOKEN),
        ),
    )


@asynccontextmanager
async def running_bridge(settings: Settings, stack: AsyncExitStack) -> AsyncIterator[Bridge]:
    engine = create_engine(settings.database_url())
    stack.push_async_callback(engine.dispose)
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
    room = Room(settings, store, feed_log=live_log(settings), with_api=False, ops_http=True)
    async with SimulatorService(config) as sim:
        sim_task = asyncio.create_task(sim.run(stop))
        task = asyncio.create_task(room.run(stop))
        try:
            async with asyncio.timeout(20):
                await room.client.logged_in.wait()
            yield Bridge(room, sim, store, settings, stop, task)
        finally:
            stop.set()
            async with asyncio.timeout(60):
                await task
                await sim_task


@asynccontextmanager
async def api_process(settings: Settings, logs: Path) -> AsyncIterator[str]:
    """``callcenter serve --role api`` with the bridge's settings, on a port of its own."""
    port = free_port()
    redis = settings.redis
    env = {
        **os.environ,
        "CALLCENTER_DATABASE__URL": settings.database_url(),
        "CALLCENTER_REDIS__URL": REDIS_URL,
        "CALLCENTER_REDIS__LIVE_STREAM": redis.live_stream,
        "CALLCENTER_REDIS__DISPATCH_STREAM": redis.dispatch_stream,
        "CALLCENTER_REDIS__BRIDGE_PREFIX": redis.bridge_prefix,
        "CALLCENTER_API__PORT": str(port),
        "CALLCENTER_API__JWT_SECRET": SECRET,
        "CALLCENTER_API__STATS_INTERVAL": "0",
    }
    with logs.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "callcenter", "serve", "--role", "api",
            cwd=logs.parent, env=env, stderr=err,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(30), httpx.AsyncClient(base_url=base) as http:
            while True:
                if proc.returncode is not None:
                    raise AssertionError(await asyncio.to_thread(logs.read_text))
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield base
    finally:
        if proc.returncode is None:
            proc.terminate()
        async with asyncio.timeout(20):
            await proc.wait()


async def drop_keys(prefix: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        found = [k async for k in redis.scan_iter(f"{prefix}:*")]
        if found:
            await redis.delete(*found)
    finally:
        await redis.aclose()


async def until_topic(f: Feed, topic: str, wait: float = 20.0) -> dict[str, Any]:
    async with asyncio.timeout(wait):
        while True:
            message = await f.event(wait)
            if message["topic"] == topic:
                return message


def auth(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


async def test_operators_work_through_api_processes_and_the_bridge_does_it(
    tmp_path: Path,
) -> None:
    prefix = f"test:scale:{uuid.uuid4().hex}"
    logs = tmp_path / "api.log"
    async with AsyncExitStack() as stack:
        stack.push_async_callback(drop_keys, prefix)
        db_url = await stack.enter_async_context(postgres_database())
        settings = shared_settings(db_url, prefix)
        b = await stack.enter_async_context(running_bridge(settings, stack))
        a_base = await stack.enter_async_context(api_process(settings, logs))
        s_base = await stack.enter_async_context(api_process(settings, logs))
        a = await stack.enter_async_context(httpx.AsyncClient(base_url=a_base, timeout=20))
        s = await stack.enter_async_context(httpx.AsyncClient(base_url=s_base, timeout=20))

        async def ready() -> bool:
            body = (await a.get("/readyz")).json()
            return bool(body["ami"] == "ok" and body["redis"] == "ok")

        await eventually(ready, 15)
        ops = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api.port}", timeout=20)
        )
        bridge_ready = await ops.get("/readyz")  # the bridge's own HTTP: operations only
        assert bridge_ready.json() == {
            "status": "ready",
            "database": "ok",
            "redis": "ok",
            "ami": "ok",
        }
        assert (await ops.get("/seats")).status_code == 404
        sup = auth(await token(s, "supervisor"))

        async def board_loaded() -> bool:
            return len((await s.get("/seats", headers=sup)).json()) == len(SEATS)

        await eventually(board_loaded, 15)
        for interface in SEATS:
            b.sim.sim.manual.add(interface)  # phones answered by people, through the API
        for n in range(1, 21):  # every seat but op03's, paused by the supervisor on process S
            if n != 3:
                r = await s.post(
                    f"/supervisor/seats/Seat {n:02d}/pause", headers=sup, json={"reason": "brief"}
                )
                assert r.status_code == 200, r.text

        me = auth(await token(a, "op03"))  # the operator logs in on process A
        assert (await a.post("/seats/me/logout", headers=me)).status_code == 200

        async def logged_out() -> bool:
            return bool((await a.get("/seats/me", headers=me)).json()["state"] == "logged_out")

        await eventually(logged_out, 10)
        assert (await a.post("/seats/me/login", headers=me)).status_code == 200

        # Asterisk's refusal answers the same through an API process as in the bridge's own.
        refused = await a.post("/seats/me/login", headers=me)
        with pytest.raises(PbxRejectedError) as local:
            await b.room.pbx.seat_login("line19", "PJSIP/seat03", "Seat 03")
        assert (refused.status_code, refused.json()) == (
            status_for(local.value),
            {"detail": str(local.value)},
        )
        assert refused.status_code == 502
        assert "Already there" in refused.json()["detail"]

        radio = auth(await token(s, "dispatcher"))
        # Ticket changes reach the dispatchers on every API process once, and the seat's panel.
        radio_feeds = [
            (await stack.enter_async_context(feed(base, "dispatch", radio["Authorization"][7:])))[0]
            for base in (a_base, s_base)
        ]
        panel, _ = await stack.enter_async_context(
            feed(a_base, "operator", me["Authorization"][7:])
        )
        async with feed(a_base, "operator", me.copy()["Authorization"][7:]) as (seat3, _):
            call = b.sim.sim.new_call(CallSpec(number="0612345678", patience=300, talk=300))
            offer = await until(seat3, "offered")
            assert (offer["call_id"], offer["seat"]) == (call.id, "Seat 03")

            async def on_my_seat() -> bool:
                return (await a.get("/me/call", headers=me)).status_code == 200

            await eventually(on_my_seat, 10)
            assert (await a.post("/me/call/answer", headers=me)).status_code == 200
            await until(seat3, "answered")
            qualification = {
                "incident_type": "road_accident",
                "priority": "P1",
                "address": "Bd Zerktouni, Casablanca",
                "latitude": 33.589,
                "longitude": -7.63,
            }
            for _ in range(2):  # a retried request with the same key is recorded once
                q = await a.post(
                    "/me/call/qualify",
                    headers={**me, "Idempotency-Key": "first-qualify"},
                    json=qualification,
                )
                assert q.status_code == 200, q.text
            await until(seat3, "qualified")
            handoff = await a.post("/me/call/handoff", headers=me, json=qualification)
            assert handoff.status_code == 200, handoff.text
            ticket = handoff.json()["ticket_id"]

        async def pending() -> bool:
            tickets = (await s.get("/dispatch/tickets", headers=radio)).json()
            return ticket in [t["id"] for t in tickets]

        await eventually(pending, 15)
        ack = await s.post(
            f"/dispatch/tickets/{ticket}/ack", headers=radio, json={"unit": "CAR-02"}
        )
        assert ack.status_code == 200, ack.text

        announced = []
        for f in [*radio_feeds, panel]:
            seen_here = []
            while not seen_here or seen_here[-1]["kind"] != "ticket_acknowledged":
                message = await until_topic(f, "dispatch")
                seen_here.append(message)
            announced.append(seen_here)
        assert announced[0] == announced[1] == announced[2]  # same events, same seqs
        assert [m["kind"] for m in announced[0]] == ["ticket_created", "ticket_acknowledged"]
        created, acked = announced[0]
        assert (created["seat"], created["payload"]["id"]) == ("Seat 03", ticket)
        assert created["payload"]["candidates"][0]["unit"] == "CAR-02"  # Maarif
        assert (acked["payload"]["unit"], acked["payload"]["acknowledged_by"]) == (
            "CAR-02",
            "dispatcher",
        )

        async def handed_off() -> bool:  # the bridge records acknowledgements made elsewhere
            return "handed_off" in await kinds(b.store, call.id)

        await eventually(handed_off, 10)
        assert (await a.post("/me/call/hangup", headers=me)).status_code == 200

        async def closed() -> bool:
            return "closed" in await kinds(b.store, call.id)

        await eventually(closed, 20)
        await b.room.runner.drain()
        seen = await kinds(b.store, call.id)
        counts = collections.Counter(seen)
        expected = ["queued", "offered", "answered", "qualified", "dispatch_requested"]
        expected += ["dispatch_sent", "handed_off", "line_ended", "closed"]
        assert [k for k in seen if k in expected] == expected, seen
        assert all(counts[k] == 1 for k in expected), counts
        assert set(seen[:2]) == {"entered", "entry_decision"}, seen
        assert (
            await ops.get("/metrics")
        ).status_code == 401  # the bridge's counters need the token
        scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        metrics = (await ops.get("/metrics", headers=scrape)).text
        assert 'callcenter_bridge_commands{counter="performed"}' in metrics
        assert b.room.bridge_channel is not None
        assert b.room.bridge_channel.server.stats.performed >= 25  # 19 pauses, answer, ...

        # The bridge stops: actions through an API process are refused at once, not hung.
        await b.stop_bridge()
        async with asyncio.timeout(settings.redis.command_timeout_seconds):
            paused = await a.post("/seats/me/pause", headers=me, json={"reason": "break"})
        assert paused.status_code == 503, paused.text
        assert "no bridge" in paused.json()["detail"]

        async def unready() -> bool:  # the heartbeat is read every second
            r = await a.get("/readyz")
            return (r.status_code, r.json()["ami"]) == (503, "down")

        await eventually(unready, 5)
