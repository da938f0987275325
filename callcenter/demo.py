"""``callcenter demo``: the whole room on one machine, on embedded defaults.

The PBX simulator (AMI + app_queue + FastAGI client, configured from asterisk/queues.conf)
plays a realistic line-19 load; the room (bridge, pipeline, FastAGI server, dispatch, API)
handles it exactly as it would a real Asterisk. A progress line is printed every few seconds
until Ctrl-C; then everything stops and what was received is written.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

from callcenter.assembly.api import live_log
from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.settings import Settings
from callcenter.sim import members
from callcenter.sim.options import SimOptions
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues, progress
from callcenter.sim.traffic import load_scenario
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore

DEMO_PASSWORD = "demo-password"


async def seed_demo_users(users: UserStore, passwords: Passwords) -> list[str]:
    """Demo only: when nobody is registered, one account per role and one operator per seat
    ("op01" on "Seat 01" ... "op20"), all with DEMO_PASSWORD. Returns the names added."""
    if await users.all():
        return []
    password_hash = passwords.hash(DEMO_PASSWORD)
    added = []
    for role in ("admin", "supervisor", "auditor", "dispatcher"):
        await users.add(role, password_hash, role, None)
        added.append(role)
    for n in range(1, 21):
        await users.add(f"op{n:02d}", password_hash, "operator", f"Seat {n:02d}")
        added.append(f"op{n:02d}")
    return added


def simulator_config(settings: Settings, scenario: str) -> SimulatorConfig:
    return SimulatorConfig(
        queues=load_queues(None),
        scenario=load_scenario(scenario),
        credentials={settings.ami.username: settings.ami.secret.get_secret_value()},
        ami_host=settings.ami.host,
        ami_port=settings.ami.port,
        control_port=settings.ami.port + 1,
        agi_url=f"agi://{settings.agi.host}:{settings.agi.port}/qualify",
        options=SimOptions(),
    )


class Demo:
    """The room around the simulator; ``async with demo: await demo.serve(stop)``.

    Entering seeds the demo users, starts the simulator's PBX, prints where to look, then
    enters the room (which connects to it); leaving stops the room first (it drains what it
    received), then the PBX."""

    def __init__(
        self,
        settings: Settings,
        store: TimelineStore,
        *,
        scenario: str = "line19-demo",
        manual_seats: frozenset[str] = frozenset(),
    ) -> None:
        self.settings = settings
        self.store = store
        self.manual_seats = manual_seats
        self.room = Room(settings, store, feed_log=live_log(settings))
        self.sim = SimulatorService(simulator_config(settings, scenario))
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Self:
        settings = self.settings
        await seed_demo_users(UserStore(self.store.engine), Passwords())
        async with contextlib.AsyncExitStack() as stack:
            sim = await stack.enter_async_context(self.sim)
            for seat in self.manual_seats:  # played by a person through the API
                members.set_manual(sim.sim, seat, True)
            api = f"http://{settings.api.host}:{settings.api.port}"
            print(
                f"callcenter demo\n"
                f"  API and its documentation: {api}/docs  (log in as op01..op20, supervisor,\n"
                f"    auditor, dispatcher or admin; password {DEMO_PASSWORD!r})\n"
                f"  live feeds: ws://{settings.api.host}:{settings.api.port}/live/supervisor\n"
                f"  PBX simulator: AMI {settings.ami.host}:{settings.ami.port}, control "
                f"http://{settings.ami.host}:{settings.ami.port + 1}/_state\n"
                f"  database: {settings.database_url()}\n"
                f"  Ctrl-C stops everything cleanly.",
                flush=True,
            )
            await stack.enter_async_context(self.room)
            self._stack = stack.pop_all()
        return self

    async def serve(self, stop: asyncio.Event) -> None:
        pbx = asyncio.create_task(self.sim.run(stop), name="simulator")
        ticker = asyncio.create_task(_progress(self.sim, self.room), name="progress")
        try:
            await self.room.serve(stop)
        finally:
            stop.set()
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await pbx

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()
        print("callcenter demo: stopped; `callcenter export --format jsonl` shows every call")


async def _progress(sim: SimulatorService, room: Room, every: float = 3.0) -> None:
    while True:
        await asyncio.sleep(every)
        stats = room.processor.stats
        print(
            f"{progress(sim.sim)} | callcenter: {stats.handled} events, "
            f"{stats.steps_stored} timeline steps, {stats.anomalies} anomalies",
            flush=True,
        )
