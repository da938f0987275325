"""``callcenter demo``: the whole room on one machine, on embedded defaults.

The PBX simulator (AMI + app_queue + FastAGI client, configured from asterisk/queues.conf)
plays a realistic line-19 load; the room (bridge, pipeline, FastAGI server, dispatch, API)
handles it exactly as it would a real Asterisk. The banner says where the panels are, how to
log in and which seats are left to a person; a progress line follows every few seconds until
Ctrl-C; then everything stops and what was received is written.

Every port comes from settings (``CALLCENTER_API__PORT``, ``CALLCENTER_AMI__PORT``,
``CALLCENTER_AGI__PORT``, ``CALLCENTER_SIM__CONTROL_PORT``), so tests run it on free ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable
from types import TracebackType
from typing import Self

from callcenter.api.webapp import default_web_dir
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
SEATS = 20  # the demo's operators: op01 on Seat 01 ... op20 on Seat 20


class DemoError(Exception):
    """The demo cannot start as asked (the message says why)."""


def control_port(settings: Settings) -> int:
    return settings.sim.control_port or settings.ami.port + 1


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
    for n in range(1, SEATS + 1):
        await users.add(f"op{n:02d}", password_hash, "operator", f"Seat {n:02d}")
        added.append(f"op{n:02d}")
    return added


def simulator_config(settings: Settings, scenario: str) -> SimulatorConfig:
    """The demo's PBX; like a real one it writes Asterisk's queue_log file (``<data_dir>/
    queue_log``) and, on PostgreSQL, the ``queue_log`` and ``cel`` tables of callcenter's
    database (what the reconciliation reads after a bridge restart)."""
    return SimulatorConfig(
        queues=load_queues(None),
        scenario=load_scenario(scenario),
        credentials={settings.ami.username: settings.ami.secret.get_secret_value()},
        ami_host=settings.ami.host,
        ami_port=settings.ami.port,
        control_port=control_port(settings),
        agi_url=f"agi://{settings.agi.host}:{settings.agi.port}/qualify",
        options=SimOptions(
            queue_log_file=settings.data_dir / "queue_log",
            pbx_log_url=url if (url := settings.database_url()).startswith("postgresql") else None,
        ),
    )


def seat_names(config: SimulatorConfig) -> list[str]:
    return [m.name for q in config.queues.values() for m in q.members]


def operator_for(seat: str) -> str | None:
    """The demo login that sits at ``seat`` ("Seat 03", "seat03", "PJSIP/seat03": op03)."""
    found = re.search(r"(\d+)\s*$", seat)
    n = int(found.group(1)) if found else 0
    return f"op{n:02d}" if 1 <= n <= SEATS else None


def check_manual_seats(manual: Iterable[str], known: Iterable[str]) -> list[str]:
    """The seats left to a person, by name ("seat03" names Seat 03 too); raises
    ``DemoError`` for a seat the room does not have."""
    names = list(known)
    by_operator = {operator_for(n): n for n in names}
    chosen = set()
    for seat in manual:
        login = operator_for(seat)
        name = seat if seat in names else by_operator.get(login) if login else None
        if name is None:
            raise DemoError(f"no seat {seat!r} in the room ({names[0]} .. {names[-1]})")
        chosen.add(name)
    return sorted(chosen)


def banner(settings: Settings, manual: list[str], *, web_built: bool) -> str:
    host, port = settings.api.host, settings.api.port
    http, ws = f"http://{host}:{port}", f"ws://{host}:{port}"
    lines = [
        "callcenter demo",
        "  panels:",
        f"    operator    {http}/",
        f"    dispatcher  {http}/dispatch",
        f"    supervisor  {http}/wallboard",
        f"    auditor     {http}/audit",
    ]
    if not web_built:
        lines.append("    (the web app is not built: run scripts/build-web, then reload)")
    lines += [
        f"  demo logins: op01..op{SEATS:02d} (operators of Seat 01..Seat {SEATS:02d}), "
        "dispatcher, supervisor, auditor, admin",
        f"    password: {DEMO_PASSWORD}",
    ]
    if manual:
        for seat in manual:
            lines.append(
                f"  your seat: {seat}: log in as {operator_for(seat)}; its calls ring in the "
                "operator panel and wait for you (answer, hang up, hand off)"
            )
    else:
        lines.append(
            '  every seat is played by the simulator; `callcenter demo --seat "Seat 03"` '
            "leaves Seat 03 to you (log in as op03)"
        )
    sim_host = settings.ami.host
    lines += [
        f"  API and its documentation: {http}/docs",
        f"  live feeds: {ws}/live/operator, /live/dispatch, /live/supervisor",
        f"  PBX simulator: AMI {sim_host}:{settings.ami.port}, FastAGI "
        f"{settings.agi.host}:{settings.agi.port}, control "
        f"http://{sim_host}:{control_port(settings)}/_state",
        f"  database: {settings.database_url()}",
        "  Ctrl-C stops everything cleanly.",
    ]
    return "\n".join(lines)


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
        config: SimulatorConfig,
        manual_seats: list[str],
    ) -> None:
        """``manual_seats``: as ``check_manual_seats`` returns them (refused before anything
        starts)."""
        self.settings = settings
        self.store = store
        # No SIP in the demo: the panel's phone buttons drive the simulator's manual seats.
        settings.phone = settings.phone.model_copy(update={"mode": "demo"})
        self.manual_seats = manual_seats
        self.room = Room(settings, store, feed_log=live_log(settings))
        self.sim = SimulatorService(config)
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Self:
        settings = self.settings
        await seed_demo_users(UserStore(self.store.engine), Passwords())
        async with contextlib.AsyncExitStack() as stack:
            sim = await stack.enter_async_context(self.sim)
            for seat in self.manual_seats:  # played by a person through the API
                members.set_manual(sim.sim, seat, True)
            web_dir = settings.api.web_dir or default_web_dir()
            built = (web_dir / "index.html").is_file()
            print(banner(settings, self.manual_seats, web_built=built), flush=True)
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
