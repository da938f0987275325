"""What a fault costs: the PBX simulator and a real ``callcenter serve`` on a PostgreSQL and a
Redis of their own, a burst of calls, one fault in the middle, and the count of what callcenter
recorded against what the PBX did.

    python -m bench.fault_report                      # every fault, then a run without one
    python -m bench.fault_report --fault bridge-kill --calls 40
    git archive main callcenter | tar -x -C /tmp/main-cc   # a baseline from another commit:
    python -m bench.fault_report --fault postgres-restart --serve-path /tmp/main-cc

Faults (at ``--fault-at`` seconds into the burst, lasting ``--down`` seconds):

- ``bridge-kill``: ``kill -9`` of the serve process, started again after the pause;
- ``ami-cut``: the PBX aborts the AMI connection (no Logoff); the bridge reconnects itself;
- ``postgres-restart``: PostgreSQL stopped, started again after the pause;
- ``redis-restart``: ``redis-server`` killed, started again (empty) after the pause;
- ``none``: the baseline.

The truth is the simulator's: the calls it offered and how each ended (its tally and its
finished calls), and the steps callcenter's own code makes of the simulator's complete AMI
stream (recorded while it ran, then ingested offline into a SQLite database: what the bridge
would have stored had nothing happened). Printed per fault: calls offered, calls recorded,
calls missing, steps lost and duplicated (per call and step kind, against that reference),
steps of kinds the reference has not (resync, lost, anomaly), wrong outcomes (the stored
outcome against the simulator's), and how many calls the PBX's own queue_log (written by the
simulator as Asterisk does) has, which the reconciliation will read. Numbers above zero are
the point of the report: they are what the reconciliation must bring to zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import table, write_results
from callcenter.ami.bridge import Bridge
from callcenter.ami.ingest import ingest_streams
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.sim.calls import CallSpec
from callcenter.sim.frames import BANNER
from callcenter.sim.options import SimOptions
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.faults.servers import OwnPostgres, OwnRedis, free_port

FAULTS = ("bridge-kill", "ami-cut", "postgres-restart", "redis-restart", "none")


@dataclass
class Outcome:
    fault: str
    offered: int = 0
    recorded: int = 0
    missing: int = 0
    steps_reference: int = 0
    steps_lost: int = 0
    steps_duplicated: int = 0
    extra_steps: dict[str, int] = field(default_factory=dict)
    wrong_outcomes: int = 0
    wrong_detail: dict[str, int] = field(default_factory=dict)
    pbx_queue_log_calls: int = 0
    bridge_restarts: int = 0
    notes: list[str] = field(default_factory=list)


def burst(calls: int, seed: int) -> list[tuple[float, CallSpec]]:
    """``calls`` callers over ~0.25 s each, patience as the bridge-down recordings' mix."""
    import random

    rng = random.Random(seed)
    out = []
    for n in range(calls):
        roll = rng.random()
        patience = rng.uniform(1, 3) if roll < 0.1 else rng.uniform(5, 15) if roll < 0.3 else 120
        spec = CallSpec(
            number=f"05{n + 1:08d}",
            patience=round(patience, 1),
            talk=round(rng.uniform(3, 8), 1),
            caller_ends=rng.random() < 0.2,
        )
        out.append((n * 0.25, spec))
    return out


class Serve:
    """``callcenter serve`` (role all) as a process of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "callcenter", "serve"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.log.parent,  # not a checkout: the package comes from PYTHONPATH or the venv
        )
        out.close()
        self.starts += 1

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


async def logged_in(service: SimulatorService, within: float = 60.0) -> None:
    async with asyncio.timeout(within):
        while not any(s.authenticated for s in service.ami.sessions):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def wait_drained(api_port: int, token: str, within: float = 60.0) -> None:
    """Until the bridge's pipeline holds nothing (its /metrics backlog) or ``within`` s."""
    deadline = time.monotonic() + within
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=2, headers=headers) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                body = (await client.get(f"http://127.0.0.1:{api_port}/metrics")).text
                backlog = [line for line in body.splitlines() if 'counter="backlog"' in line]
                if backlog and float(backlog[0].rsplit(" ", 1)[1]) == 0:
                    return
            await asyncio.sleep(0.5)


async def reference(stream: bytes, folder: Path) -> TimelineStore:
    """What callcenter stores from the complete AMI stream (SQLite, offline)."""
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'reference.db'}")
    await upgrade(engine)
    store = TimelineStore(engine)
    runner = OrderedRunner(CallProcessor(store, NullNotifier()), measure_lag=False)
    bridge = Bridge(runner.put_nowait, LiveSeatBoard(), offline=True)
    runner.start()
    try:
        await ingest_streams([("pbx", stream)], bridge, runner)
    finally:
        await runner.close()
    return store


async def steps_by_call(store: TimelineStore, ids: set[str]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for call_id in ids:
        out[call_id] = Counter(s["kind"] for s in await store.timeline(call_id, limit=10_000))
    return out


async def outcomes(store: TimelineStore) -> dict[str, str | None]:
    return {row["id"]: row["outcome"] for row in [r async for r in store.calls()]}


async def run_fault(
    fault: str, calls: int, seed: int, fault_at: float, down: float, serve_path: str | None = None
) -> Outcome:
    result = Outcome(fault)
    folder = Path(tempfile.mkdtemp(prefix=f"cc-fault-{fault}-"))
    pg, redis = OwnPostgres(), OwnRedis()
    await asyncio.to_thread(pg.start)
    await asyncio.to_thread(redis.start)
    queue_log = folder / "queue_log"
    service = SimulatorService(
        SimulatorConfig(
            queues=load_queues(None),
            ami_port=0,
            control_port=None,
            options=SimOptions(seed=seed, ring_min=1, ring_max=3, queue_log_file=queue_log),
        )
    )
    recorded: list[bytes] = [BANNER]
    service.sim.stream.listeners.append(lambda _n, _p, data: recorded.append(data))
    api_port, token = free_port(), secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "CALLCENTER_DATABASE__URL": pg.dsn,
        "CALLCENTER_REDIS__URL": redis.url,
        "CALLCENTER_AMI__PORT": "0",
        "CALLCENTER_AGI__PORT": str(free_port()),
        "CALLCENTER_API__PORT": str(api_port),
        "CALLCENTER_API__JWT_SECRET": secrets.token_urlsafe(48),
        "CALLCENTER_API__METRICS_TOKEN": token,
        "CALLCENTER_DATA_DIR": str(folder / "data"),
    }
    if serve_path:  # serve another checkout's package (a baseline), never writing into it
        env["PYTHONPATH"] = os.pathsep.join([serve_path, env.get("PYTHONPATH", "")])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        result.notes.append(f"serve from {serve_path}")
    serve = Serve(env, folder / "serve.log")
    stop = asyncio.Event()
    try:
        await service.start()
        env["CALLCENTER_AMI__PORT"] = str(service.ami.address[1])
        driver = asyncio.create_task(service.run(stop))
        serve.start()
        await logged_in(service)
        sim = service.sim
        for at, spec in burst(calls, seed):
            sim.scheduler.at(sim.now + at, sim.enter, spec)
        await asyncio.sleep(fault_at)
        if fault == "bridge-kill":
            serve.kill()
            await asyncio.sleep(down)
            serve.start()
        elif fault == "ami-cut":
            service.ami.drop_all()
        elif fault == "postgres-restart":
            await asyncio.to_thread(pg.stop)
            await asyncio.sleep(down)
            await asyncio.to_thread(pg.start)
        elif fault == "redis-restart":
            await asyncio.to_thread(redis.stop, kill=True)
            await asyncio.sleep(down)
            await asyncio.to_thread(redis.start)
        async with asyncio.timeout(300):
            while len(sim.finished) < calls:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        await logged_in(service)
        await asyncio.sleep(2)  # the last events reach the bridge
        await wait_drained(api_port, token)
        serve.stop()
        stop.set()
        await driver
    finally:
        serve.stop()
        stop.set()
        await service.stop()
    result.bridge_restarts = serve.starts - 1

    truth = {c.id: str(c.outcome) for c in service.sim.finished}
    result.offered = service.sim.tally.offered
    if queue_log.exists():
        lines = queue_log.read_text().splitlines()
        result.pbx_queue_log_calls = len({ln.split("|")[1] for ln in lines if "|ENTERQUEUE|" in ln})
    ref_store = await reference(b"".join(recorded), folder)
    engine = create_engine(pg.url)
    try:
        got_store = TimelineStore(engine)
        got_outcomes = await outcomes(got_store)
        result.recorded = len(set(got_outcomes) & set(truth))
        result.missing = len(set(truth) - set(got_outcomes))
        ref_steps = await steps_by_call(ref_store, set(truth))
        got_steps = await steps_by_call(got_store, set(truth))
    finally:
        await engine.dispose()
        await ref_store.engine.dispose()
        await asyncio.to_thread(pg.destroy)
        await asyncio.to_thread(redis.destroy)
    extra: Counter[str] = Counter()
    for call_id, ref in ref_steps.items():
        got = got_steps.get(call_id, Counter())
        result.steps_reference += sum(ref.values())
        for kind in ref.keys() | got.keys():
            if kind not in ref:
                extra[kind] += got[kind]
                continue
            result.steps_lost += max(0, ref[kind] - got[kind])
            result.steps_duplicated += max(0, got[kind] - ref[kind])
    result.extra_steps = dict(extra)
    wrong: Counter[str] = Counter()
    for call_id, outcome in truth.items():
        stored = got_outcomes.get(call_id)
        if stored != outcome:
            wrong[f"{outcome}->{stored}"] += 1
    result.wrong_outcomes = sum(wrong.values())
    result.wrong_detail = dict(wrong)
    result.notes.append(f"logs in {folder}")
    return result


def render(results: list[Outcome]) -> str:
    rows: list[tuple[str, ...]] = [
        (
            "fault",
            "offered",
            "recorded",
            "missing",
            "ref steps",
            "lost",
            "dup",
            "wrong outcome",
            "queue_log calls",
        )
    ]
    for r in results:
        rows.append(
            (
                r.fault,
                str(r.offered),
                str(r.recorded),
                str(r.missing),
                str(r.steps_reference),
                str(r.steps_lost),
                str(r.steps_duplicated),
                str(r.wrong_outcomes),
                str(r.pbx_queue_log_calls),
            )
        )
    lines = [table(rows)]
    for r in results:
        lines.append(f"{r.fault}: wrong {r.wrong_detail or '-'}; extra steps "
                     f"{r.extra_steps or '-'}; {'; '.join(r.notes)}")  # fmt: skip
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> list[Outcome]:
    faults = FAULTS if args.fault == "all" else (args.fault,)
    results = []
    for fault in faults:
        print(f"-- {fault}", file=sys.stderr, flush=True)
        results.append(
            await run_fault(fault, args.calls, args.seed, args.fault_at, args.down, args.serve_path)
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", choices=(*FAULTS, "all"), default="all")
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1001)
    parser.add_argument("--fault-at", type=float, default=4.0)
    parser.add_argument("--down", type=float, default=8.0)
    parser.add_argument("--serve-path", help="Run serve from this copy of the package.")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    print(render(results))
    data: dict[str, Any] = {r.fault: r.__dict__ for r in results}
    name = f"fault_report-{args.fault}" + ("-serve-path" if args.serve_path else "")
    print(f"results: {write_results(name, data)}", file=sys.stderr)
