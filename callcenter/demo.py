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
import signal
from collections.abc import Iterable

from callcenter.api.webapp import default_web_dir
from callcenter.app import DEMO_PASSWORD, open_store, seed_demo_users
from callcenter.auth.passwords import Passwords
from callcenter.room import Room, live_log
from callcenter.settings import Settings
from callcenter.sim import members
from callcenter.sim.engine import SimOptions
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues, progress
from callcenter.sim.traffic import load_scenario
from callcenter.storage.users import UserStore

SEATS = 20  # the demo's operators: op01 on Seat 01 ... op20 on Seat 20


class DemoError(Exception):
    """The demo cannot start as asked (the message says why)."""


def control_port(settings: Settings) -> int:
    return settings.sim.control_port or settings.ami.port + 1


def simulator_config(settings: Settings, scenario: str) -> SimulatorConfig:
    return SimulatorConfig(
        queues=load_queues(None),
        scenario=load_scenario(scenario),
        credentials={settings.ami.username: settings.ami.secret.get_secret_value()},
        ami_host=settings.ami.host,
        ami_port=settings.ami.port,
        control_port=control_port(settings),
        agi_url=f"agi://{settings.agi.host}:{settings.agi.port}/qualify",
        options=SimOptions(),
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


async def run_demo(
    settings: Settings, *, scenario: str = "line19-demo", manual_seats: frozenset[str] = frozenset()
) -> None:
    """Raises ``DemoError`` (unknown seat) before starting anything."""
    # No SIP in the demo: the panel's phone buttons drive the simulator's manual seats.
    settings.phone = settings.phone.model_copy(update={"mode": "demo"})
    config = simulator_config(settings, scenario)
    manual = check_manual_seats(manual_seats, seat_names(config))
    web_dir = settings.api.web_dir or default_web_dir()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_store(settings, migrate=True) as store:
        await seed_demo_users(UserStore(store.engine), Passwords())
        room = Room(settings, store, feed_log=live_log(settings))
        async with SimulatorService(config) as sim:
            for seat in manual:  # played by a person through the API
                members.set_manual(sim.sim, seat, True)
            built = (web_dir / "index.html").is_file()
            print(banner(settings, manual, web_built=built), flush=True)
            pbx = asyncio.create_task(sim.run(stop), name="simulator")
            ticker = asyncio.create_task(_progress(sim, room), name="progress")
            try:
                await room.run(stop)
            finally:
                stop.set()
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
                await pbx
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
