"""Composition of the simulator: the PBX alone (``callcenter simulate``) and stream recording.

``SimulatorService`` builds the ``Simulator`` from queues.conf and a scenario, starts the AMI
server, the control endpoints (uvicorn) and the FastAGI client, and drives simulated time on
the wall clock times the scenario's ``time_factor``. ``record_stream`` plays N calls on the
virtual clock as fast as possible and writes the AMI stream (banner, then events, noise
included) to a file, for benchmarks. ``progress`` is the one-line live summary (waiting, in
conversation, answered, abandoned, overflowed, SLA) that ``simulate`` prints and the demo can
reuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import uvicorn

from callcenter.sim.agi import AgiClient
from callcenter.sim.ami_server import AmiServer
from callcenter.sim.clock import RealtimeDriver, VirtualDriver
from callcenter.sim.config import QueueConf, load_queues_conf
from callcenter.sim.control import create_control_app
from callcenter.sim.engine import Simulator
from callcenter.sim.frames import BANNER
from callcenter.sim.options import SimOptions
from callcenter.sim.pbx_log_sinks import LogSink, LogWriter, QueueLogFile, SqlTables
from callcenter.sim.pbx_logs import AsteriskLogs
from callcenter.sim.traffic import Scenario, Traffic

log = logging.getLogger(__name__)


def default_queues_conf() -> Path:
    """``asterisk/queues.conf`` of the working directory, else of the source checkout."""
    here = Path("asterisk") / "queues.conf"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[2] / "asterisk" / "queues.conf"


@dataclass
class SimulatorConfig:
    queues: dict[str, QueueConf]
    scenario: Scenario | None = None
    credentials: dict[str, str] = field(default_factory=lambda: {"callcenter": "callcenter"})
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    control_host: str = "127.0.0.1"
    control_port: int | None = 5039  # None: no control endpoints
    agi_url: str | None = None
    agi_budget: float = 0.5
    time_factor: float | None = None  # None: the scenario's
    options: SimOptions = field(default_factory=SimOptions)


class SimulatorService:
    """``await start()``, ``await run(stop)``, ``await stop()``; or ``async with``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        options = config.options
        if config.scenario is not None:
            options = config.scenario.options(options)
        options = replace(options, agi_url=config.agi_url, agi_budget=config.agi_budget)
        self.agi = AgiClient(config.agi_url, config.agi_budget) if config.agi_url else None
        self.sim = Simulator(
            config.queues, options, agi_starter=self.agi.start if self.agi else None
        )
        self.ami = AmiServer(self.sim, config.credentials, config.ami_host, config.ami_port)
        self.pbx_logs = attach_pbx_logs(self.sim)
        factor = config.time_factor or (config.scenario.time_factor if config.scenario else 1.0)
        self.factor = factor
        self.driver: RealtimeDriver | None = None
        self._control: uvicorn.Server | None = None
        self._control_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.pbx_logs is not None:
            self.pbx_logs.start()
        await self.ami.start()
        self.driver = RealtimeDriver(self.sim, self.factor)
        if self.config.scenario is not None:
            count = Traffic(self.config.scenario).schedule(self.sim)
            log.info("scenario %s: %d calls scheduled", self.config.scenario.name, count)
        if self.config.control_port is not None:
            app = create_control_app(self.sim, self.ami)
            cfg = uvicorn.Config(
                app,
                host=self.config.control_host,
                port=self.config.control_port,
                log_level="warning",
                lifespan="off",
            )
            self._control = uvicorn.Server(cfg)
            self._control_task = asyncio.create_task(self._control.serve())
            async with asyncio.timeout(10):  # uvicorn sets its signal handlers when it starts
                while not self._control.started and not self._control_task.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.01)

    async def run(self, stop: asyncio.Event) -> None:
        assert self.driver is not None, "start() first"
        await self.driver.run(stop)

    async def stop(self) -> None:
        if self._control is not None and self._control_task is not None:
            self._control.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(5):
                    await self._control_task
        await self.ami.stop()
        await self.sim.settle()
        if self.pbx_logs is not None:
            await self.pbx_logs.close()

    async def __aenter__(self) -> SimulatorService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def attach_pbx_logs(sim: Simulator) -> LogWriter | None:
    """Write Asterisk's queue_log / CEL rows of the simulated calls where the options say
    (``queue_log_file``, ``pbx_log_url``); None when neither is set. The caller starts the
    writer's background flushes (``start``) and closes it (``close``: a last flush)."""
    sinks: list[LogSink] = []
    if sim.options.queue_log_file is not None:
        sinks.append(QueueLogFile(sim.options.queue_log_file))
    if sim.options.pbx_log_url:
        sinks.append(SqlTables.from_url(sim.options.pbx_log_url))
    if not sinks:
        return None
    writer = LogWriter(sinks)
    sim.report.tap = AsteriskLogs(writer, sim.scheduler.wall)
    return writer


def progress(sim: Simulator) -> str:
    t = sim.tally
    waiting = sum(len(q.entries) for q in sim.queues.values())
    talking = sum(1 for c in sim.calls.values() if c.state == "talking")
    completed = sum(q.completed for q in sim.queues.values())
    within = sum(q.answered_within_sl for q in sim.queues.values())
    handled = completed + sum(q.abandoned for q in sim.queues.values())
    sla = f"{100.0 * within / handled:.0f}%" if handled else "-"
    minutes = int(sim.now // 60)
    return (
        f"[{minutes:3d}:{int(sim.now % 60):02d}] waiting {waiting:3d}  talking {talking:2d}  "
        f"calls {t.offered}  answered {t.answered}  abandoned {t.abandoned}  "
        f"(reached overflow {t.overflowed})  SLA {sla}"
    )


async def record_stream(
    queues: dict[str, QueueConf],
    scenario: Scenario,
    calls: int,
    out: BinaryIO,
    options: SimOptions | None = None,
) -> Simulator:
    """Play ``calls`` callers of the scenario on the virtual clock and write the AMI stream."""
    traffic = Traffic(scenario)
    arrivals = len(traffic.arrivals())
    if 0 < arrivals < calls:  # stretch the scenario's steady part to reach N calls
        scenario = replace(scenario, duration=scenario.duration * calls / arrivals * 1.5)
    sim = Simulator(queues, scenario.options(options or SimOptions()))
    out.write(BANNER)

    def write(_name: str, _privilege: str, data: bytes) -> None:
        out.write(data)

    sim.stream.listeners.append(write)
    Traffic(scenario).schedule(sim, limit=calls)
    driver = VirtualDriver(sim)
    while True:
        await driver.run_for(60)
        if not sim.calls and sim.scheduler.next_time() is None:
            break
    return sim


def load_queues(path: Path | None) -> dict[str, QueueConf]:
    return load_queues_conf(path or default_queues_conf())
