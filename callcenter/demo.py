"""``callcenter demo``: the whole room on one machine, on embedded defaults.

The PBX simulator (AMI + app_queue + FastAGI client, configured from asterisk/queues.conf)
plays a realistic line-19 load; the room (bridge, pipeline, FastAGI server, dispatch, API)
handles it exactly as it would a real Asterisk. A progress line is printed every few seconds
until Ctrl-C; then everything stops and what was received is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from callcenter.app import DEMO_PASSWORD, open_store, seed_demo_users
from callcenter.auth.passwords import Passwords
from callcenter.room import Room, live_log
from callcenter.settings import Settings
from callcenter.sim import members
from callcenter.sim.engine import SimOptions
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues, progress
from callcenter.sim.traffic import load_scenario
from callcenter.storage.users import UserStore


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


async def run_demo(
    settings: Settings, *, scenario: str = "line19-demo", manual_seats: frozenset[str] = frozenset()
) -> None:
    # No SIP in the demo: the panel's phone buttons drive the simulator's manual seats.
    settings.phone = settings.phone.model_copy(update={"mode": "demo"})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_store(settings, migrate=True) as store:
        await seed_demo_users(UserStore(store.engine), Passwords())
        room = Room(settings, store, feed_log=live_log(settings))
        async with SimulatorService(simulator_config(settings, scenario)) as sim:
            for seat in manual_seats:  # played by a person through the API
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
