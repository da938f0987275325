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

The simulator writes Asterisk's queue_log and cel rows into the PostgreSQL callcenter uses
(the tables from callcenter's migration) and the queue_log file (``--sqlite``: callcenter on
SQLite reads the file), and serve reconciles from them as a room does.

The truth is the simulator's: the calls it offered and how each ended (its tally and its
finished calls), and the steps callcenter's own code makes of the simulator's complete AMI
stream (recorded while it ran, then ingested offline into a SQLite database: what the bridge
would have stored had nothing happened), with their outcomes and hold/talk seconds. Printed
per fault: calls offered, recorded, missing; steps lost and duplicated against that reference
(``compare_steps``: kind and time), steps inferred at a resync whose time is the snapshot's,
steps of kinds the reference has not (resynced, lost, recovered, anomaly), wrong outcomes and
hold/talk seconds, broken hash chains, steps rebuilt from the PBX's log, the login delays,
and how many calls the PBX's queue_log (file and table) has.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.common import table, write_results
from callcenter.ami.bridge import Bridge
from callcenter.ami.ingest import ingest_streams
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.pbxlog.tables import QUEUE_LOG
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

TOLERANCE = timedelta(seconds=2)  # Asterisk's queue_log file has whole seconds
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
    steps_inferred_time: int = 0  # there, inferred at a resync, not at the PBX's time
    extra_steps: dict[str, int] = field(default_factory=dict)
    wrong_outcomes: int = 0
    wrong_detail: dict[str, int] = field(default_factory=dict)
    wrong_times: int = 0  # calls whose hold or talk seconds differ from the PBX's
    chains_broken: int = 0  # timelines whose hash chain does not verify
    lost_detail: dict[str, int] = field(default_factory=dict)
    duplicated_detail: dict[str, int] = field(default_factory=dict)
    inferred_detail: dict[str, int] = field(default_factory=dict)
    steps_reconstructed: int = 0  # stored steps with clock pbx-log
    pbx_queue_log_calls: int = 0
    pbx_table_calls: int = 0  # calls in the queue_log table the bridge reconciles from
    bridge_restarts: int = 0
    calls_off: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # the first 10
    phases: dict[str, float] = field(default_factory=dict)  # seconds from the run's start
    # seconds from the PBX accepting AMI connections (at start, after the cut) or from the
    # restart of serve (bridge-kill) to the bridge logged in
    login_seconds: dict[str, float] = field(default_factory=dict)
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


async def logged_in(
    service: SimulatorService, within: float = 60.0, *, not_in: frozenset[object] = frozenset()
) -> float:
    """Until a bridge is logged in to the simulator's AMI on a session not in ``not_in``;
    the seconds it took."""
    began = time.monotonic()
    async with asyncio.timeout(within):
        while not any(s.authenticated and s not in not_in for s in service.ami.sessions):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return round(time.monotonic() - began, 3)


async def serving(api_port: int, within: float = 60.0) -> None:
    """Until ``callcenter serve`` answers /healthz (migrated, its AMI client started)."""
    async with asyncio.timeout(within), httpx.AsyncClient(timeout=1) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{api_port}/healthz")).status_code < 500:
                    return
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


@dataclass(frozen=True)
class Step:
    """A timeline step as the report compares it: its kind and its own time (the payload's
    ``event_at`` when the store moved it after the previous step), and where that time came
    from (``pbx``, ``arrival``, ``inferred``, ``pbx-log``)."""

    kind: str
    at: datetime
    clock: str = "pbx"


@dataclass
class StepCount:
    lost: Counter[str] = field(default_factory=Counter)
    duplicated: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)
    inferred_time: Counter[str] = field(default_factory=Counter)


def compare_steps(
    reference: Sequence[Step], stored: Sequence[Step], tolerance: timedelta = TOLERANCE
) -> StepCount:
    """One call's stored steps against the reference's: a reference step is there when a
    stored step of the same kind has its time within ``tolerance`` (a step reconstructed
    from the PBX's log stands for the live step it replaces; its time is Asterisk's, whole
    seconds in the queue_log file); each stored step answers for one reference step only,
    so a live step and a reconstructed one for the same PBX fact count one duplicate. A
    reference step left over that a step of its kind inferred at a resync (clock
    ``inferred``: the snapshot said it happened, not when) stands for is counted apart
    (``inferred_time``: there, at the wrong time). What the reference has no match for is
    lost; stored steps of a kind the reference has that match nothing are duplicated; kinds
    the reference has not (resync, lost, recovered, anomaly) are extra."""
    out = StepCount()
    kinds = {s.kind for s in reference}
    pool = sorted(stored, key=lambda s: s.at)
    unmatched = []
    for step in sorted(reference, key=lambda s: s.at):
        near = [s for s in pool if s.kind == step.kind and abs(s.at - step.at) <= tolerance]
        if near:
            pool.remove(min(near, key=lambda s: abs(s.at - step.at)))
        else:
            unmatched.append(step)
    for step in unmatched:  # a step inferred at a resync: there, but its time is the snapshot's
        guess = next((s for s in pool if s.kind == step.kind and s.clock == "inferred"), None)
        if guess is not None:
            pool.remove(guess)
            out.inferred_time[step.kind] += 1
        else:
            out.lost[step.kind] += 1
    for s in pool:
        (out.duplicated if s.kind in kinds else out.extra)[s.kind] += 1
    return out


def describe(steps: Sequence[Step]) -> list[str]:
    return [f"{s.kind} {s.at:%H:%M:%S.%f}"[:-3] + f" {s.clock}" for s in steps]


def own_time(row: dict[str, Any]) -> datetime:
    payload = row.get("payload") or {}
    own = payload.get("event_at") if isinstance(payload, dict) else None
    at: datetime = row["at"]
    if isinstance(own, str):
        with contextlib.suppress(ValueError):
            at = datetime.fromisoformat(own)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def steps_by_call(store: TimelineStore, ids: set[str]) -> dict[str, list[Step]]:
    out: dict[str, list[Step]] = {}
    for call_id in ids:
        rows = await store.timeline(call_id, limit=10_000)
        out[call_id] = [Step(str(r["kind"]), own_time(r), str(r["clock"])) for r in rows]
    return out


async def call_rows(store: TimelineStore) -> dict[str, dict[str, Any]]:
    return {row["id"]: row async for row in store.calls()}


async def run_fault(
    fault: str,
    calls: int,
    seed: int,
    fault_at: float,
    down: float,
    serve_path: str | None = None,
    *,
    period: float = 2.0,
    settle: float = 3.0,
    sqlite: bool = False,
) -> Outcome:
    """One run. The simulator writes the PBX's queue_log and cel rows into the PostgreSQL
    callcenter uses (the tables come from callcenter's migration, as on a real PBX), and the
    queue_log file; serve reconciles from the tables on every AMI (re)connection and every
    ``period`` s (``settle``: how long a call's end is left to AMI first; a room's defaults
    are 60 and 10 s, shorter here so the run does not wait for them). ``sqlite``: a
    single-host install, callcenter on SQLite reading the queue_log file."""
    if sqlite and fault == "postgres-restart":
        raise ValueError("no PostgreSQL to restart on SQLite")
    result = Outcome(fault + ("-sqlite" if sqlite else ""))
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"cc-fault-{fault}-"))
    pg, redis = OwnPostgres(), OwnRedis()
    if not sqlite:
        await asyncio.to_thread(pg.start)
    await asyncio.to_thread(redis.start)
    queue_log = folder / "queue_log"
    db_url = f"sqlite+aiosqlite:///{folder / 'callcenter.db'}" if sqlite else pg.url
    ami_port = free_port()

    def simulator() -> SimulatorService:
        """Made once serve is up: the simulator's clock (its events' Timestamps) starts with
        it, and must agree with the wall clock as a PBX's NTP-kept one does."""
        made = SimulatorService(
            SimulatorConfig(
                queues=load_queues(None),
                ami_port=ami_port,
                control_port=None,
                options=SimOptions(
                    seed=seed,
                    ring_min=1,
                    ring_max=3,
                    queue_log_file=queue_log,
                    pbx_log_url=None if sqlite else pg.url,
                ),
            )
        )
        made.sim.stream.listeners.append(lambda _n, _p, data: recorded.append(data))
        return made

    recorded: list[bytes] = [BANNER]
    api_port, token = free_port(), secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "CALLCENTER_DATABASE__URL": db_url if sqlite else pg.dsn,
        "CALLCENTER_PBX_LOG__QUEUE_LOG_FILE": str(queue_log),
        "CALLCENTER_REDIS__URL": redis.url,
        "CALLCENTER_AMI__PORT": str(ami_port),
        "CALLCENTER_AGI__PORT": str(free_port()),
        "CALLCENTER_API__PORT": str(api_port),
        "CALLCENTER_API__JWT_SECRET": secrets.token_urlsafe(48),
        "CALLCENTER_API__METRICS_TOKEN": token,
        "CALLCENTER_DATA_DIR": str(folder / "data"),
        "CALLCENTER_PBX_LOG__PERIOD_SECONDS": str(period),
        "CALLCENTER_PBX_LOG__SETTLE_SECONDS": str(settle),
    }
    if serve_path:  # serve another checkout's package (a baseline), never writing into it
        env["PYTHONPATH"] = os.pathsep.join([serve_path, env.get("PYTHONPATH", "")])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        result.notes.append(f"serve from {serve_path}")
    serve = Serve(env, folder / "serve.log")
    stop = asyncio.Event()
    driver: asyncio.Task[None] | None = None
    service: SimulatorService | None = None
    try:
        # serve first, the PBX after: the login delay counts from the PBX listening
        serve.start()
        await serving(api_port)
        service = simulator()
        await service.start()
        driver = asyncio.create_task(service.run(stop))
        result.login_seconds["start"] = await logged_in(service)
        result.phases["pbx_up"] = round(time.monotonic() - began, 1)
        sim = service.sim
        for at, spec in burst(calls, seed):
            sim.scheduler.at(sim.now + at, sim.enter, spec)
        await asyncio.sleep(fault_at)
        if fault == "bridge-kill":
            killed = frozenset(service.ami.sessions)
            serve.kill()
            await asyncio.sleep(down)
            serve.start()
            result.login_seconds["restart"] = await logged_in(service, not_in=killed)
        elif fault == "ami-cut":
            cut = frozenset(service.ami.sessions)
            service.ami.drop_all()  # the listener stays: the PBX accepts at once
            result.login_seconds["reconnect"] = await logged_in(service, not_in=cut)
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
        result.phases["calls_done"] = round(time.monotonic() - began, 1)
        await logged_in(service)
        await asyncio.sleep(1)  # the last events reach the bridge
        await wait_drained(api_port, token)
        await asyncio.sleep(settle + 2 * period)  # a periodic run past the last call's settle
        await wait_drained(api_port, token)
        result.phases["settled"] = round(time.monotonic() - began, 1)
        serve.stop()
        stop.set()
        await driver
    finally:
        serve.stop()
        stop.set()
        if driver is not None and not driver.done():
            driver.cancel()
        if service is not None:
            await service.stop()
    result.bridge_restarts = serve.starts - 1
    result.phases["stopped"] = round(time.monotonic() - began, 1)
    assert service is not None

    truth = {c.id: str(c.outcome) for c in service.sim.finished}
    result.offered = service.sim.tally.offered
    if queue_log.exists():
        lines = queue_log.read_text().splitlines()
        result.pbx_queue_log_calls = len({ln.split("|")[1] for ln in lines if "|ENTERQUEUE|" in ln})
    ref_store = await reference(b"".join(recorded), folder)
    engine = create_engine(db_url)
    try:
        got_store = TimelineStore(engine)
        got_calls = await call_rows(got_store)
        ref_calls = await call_rows(ref_store)
        result.recorded = len(set(got_calls) & set(truth))
        result.missing = len(set(truth) - set(got_calls))
        ref_steps = await steps_by_call(ref_store, set(truth))
        got_steps = await steps_by_call(got_store, set(truth))
        for call_id in got_calls:
            verdict = await got_store.verify(call_id)
            result.chains_broken += verdict is None or not verdict.intact
        async with engine.connect() as conn:
            result.pbx_table_calls = (
                0
                if sqlite
                else (
                    await conn.execute(
                        sa.select(sa.func.count(sa.distinct(QUEUE_LOG.c.callid))).where(
                            QUEUE_LOG.c.event == "ENTERQUEUE"
                        )
                    )
                ).scalar_one()
            )
    finally:
        await engine.dispose()
        await ref_store.engine.dispose()
        if not sqlite:
            await asyncio.to_thread(pg.destroy)
        await asyncio.to_thread(redis.destroy)
    count = StepCount()
    for call_id, ref in ref_steps.items():
        result.steps_reference += len(ref)
        got = got_steps.get(call_id, [])
        result.steps_reconstructed += sum(s.clock == "pbx-log" for s in got)
        one = compare_steps(ref, got)
        if (one.lost or one.duplicated) and len(result.calls_off) < 10:
            result.calls_off[call_id] = {"reference": describe(ref), "stored": describe(got)}
        count.lost.update(one.lost)
        count.duplicated.update(one.duplicated)
        count.extra.update(one.extra)
        count.inferred_time.update(one.inferred_time)
    result.steps_lost = count.lost.total()
    result.steps_duplicated = count.duplicated.total()
    result.lost_detail, result.duplicated_detail = dict(count.lost), dict(count.duplicated)
    result.extra_steps = dict(count.extra)
    result.steps_inferred_time = count.inferred_time.total()
    result.inferred_detail = dict(count.inferred_time)
    wrong: Counter[str] = Counter()
    for call_id, outcome in truth.items():
        stored = got_calls.get(call_id, {}).get("outcome")
        if stored != outcome:
            wrong[f"{outcome}->{stored}"] += 1
        ref_call = ref_calls.get(call_id, {})
        times = ("hold_seconds", "talk_seconds")
        if call_id in got_calls and any(got_calls[call_id][k] != ref_call.get(k) for k in times):
            result.wrong_times += 1
    result.wrong_outcomes = sum(wrong.values())
    result.wrong_detail = dict(wrong)
    result.notes.append(f"logs in {folder}")
    return result


def render(results: list[Outcome]) -> str:
    head = ("fault", "offered", "recorded", "missing", "ref steps", "lost", "dup", "time inferred",
            "wrong outcome", "wrong hold/talk", "broken chains", "from pbx-log",
            "login s")  # fmt: skip
    rows: list[tuple[str, ...]] = [head]
    for r in results:
        login = " ".join(f"{k} {v:.2f}" for k, v in r.login_seconds.items())
        numbers = (r.offered, r.recorded, r.missing, r.steps_reference, r.steps_lost,
                   r.steps_duplicated, r.steps_inferred_time, r.wrong_outcomes, r.wrong_times,
                   r.chains_broken, r.steps_reconstructed)  # fmt: skip
        rows.append((r.fault, *map(str, numbers), login))
    lines = [table(rows)]
    for r in results:
        lines.append(
            f"{r.fault}: lost {r.lost_detail or '-'}; dup {r.duplicated_detail or '-'}; "
            f"time inferred {r.inferred_detail or '-'}; "
            f"wrong {r.wrong_detail or '-'}; extra steps {r.extra_steps or '-'}; PBX calls "
            f"(queue_log file/table) {r.pbx_queue_log_calls}/{r.pbx_table_calls}; "
            + "; ".join(r.notes)
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> list[Outcome]:
    faults = FAULTS if args.fault == "all" else (args.fault,)
    if args.sqlite:
        faults = tuple(f for f in faults if f != "postgres-restart")
    results = []
    for fault in faults:
        print(f"-- {fault}", file=sys.stderr, flush=True)
        results.append(
            await run_fault(
                fault,
                args.calls,
                args.seed,
                args.fault_at,
                args.down,
                args.serve_path,
                period=args.period,
                settle=args.settle,
                sqlite=args.sqlite,
            )
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
    parser.add_argument("--period", type=float, default=2.0, help="PBX_LOG__PERIOD_SECONDS")
    parser.add_argument("--settle", type=float, default=3.0, help="PBX_LOG__SETTLE_SECONDS")
    parser.add_argument(
        "--sqlite", action="store_true", help="serve on SQLite, reading the queue_log file"
    )
    args = parser.parse_args()
    results = asyncio.run(main(args))
    print(render(results))
    data: dict[str, Any] = {r.fault: r.__dict__ for r in results}
    name = f"fault_report-{args.fault}" + ("-sqlite" if args.sqlite else "")
    name += "-serve-path" if args.serve_path else ""
    print(f"results: {write_results(name, data)}", file=sys.stderr)
