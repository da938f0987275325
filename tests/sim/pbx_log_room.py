"""A simulated burst with Asterisk's logs tapped (``callcenter.sim.pbx_logs``), for the tests of
the queue_log and CEL rows: the rows, and the AMI stream the same simulation sent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from callcenter.sim.clock import VirtualDriver
from callcenter.sim.config import parse_queues_conf
from callcenter.sim.engine import Simulator
from callcenter.sim.options import SimOptions
from callcenter.sim.pbx_logs import AsteriskLogs, CelRow, MemoryRows, QueueLogRow, RowSink
from callcenter.sim.traffic import Traffic, parse_scenario
from tests.sim import fidelity

ROOT = Path(__file__).resolve().parents[2]
RECORDING = ROOT / "tests" / "fixtures" / "bridge-down-A"

# 60 callers in 20 s on 20 seats: some wait and give up in the queue, some while a seat rings
# (RINGCANCELED), some seats let it ring out (RINGNOANSWER), some callers end the call.
BURST = """
name = "pbx-log-burst"
seed = 1001
duration = 0
[[bursts]]
at = 0
calls = 60
over = 20
[callers]
caller_hangs_up = 0.3
[patience]
distribution = "uniform"
min = 1
max = 40
[talk]
distribution = "uniform"
min = 5
max = 30
[seats]
ring_min = 1
ring_max = 3
no_answer = 0.15
"""


@dataclass
class Tee:
    sinks: list[RowSink]

    def queue_log(self, row: QueueLogRow) -> None:
        for sink in self.sinks:
            sink.queue_log(row)

    def cel(self, row: CelRow) -> None:
        for sink in self.sinks:
            sink.cel(row)


@dataclass
class Burst:
    sim: Simulator
    rows: MemoryRows
    ami: list[fidelity.Message]


async def play_burst(extra_sink: RowSink | None = None) -> Burst:
    scenario = parse_scenario(BURST)
    conf = parse_queues_conf((ROOT / "asterisk" / "queues.conf").read_text())
    sim = Simulator(conf, scenario.options(SimOptions(epoch=1796155260.0)))
    rows = MemoryRows()

    sinks: list[RowSink] = [rows] if extra_sink is None else [rows, extra_sink]
    sim.report.tap = AsteriskLogs(Tee(sinks), sim.scheduler.wall)
    got: list[bytes] = []
    sim.stream.listeners.append(lambda _n, _p, data: got.append(data))
    Traffic(scenario).schedule(sim)
    driver = VirtualDriver(sim)
    while sim.calls or sim.scheduler.next_time() is not None:
        await driver.run_for(60)
    return Burst(sim, rows, fidelity.messages(b"".join(got)))
