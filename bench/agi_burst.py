"""FastAGI under the mass-casualty burst: 60 (and 600) qualify sessions opened at one instant.

The Asterisk side runs in a separate process (``bench.agi_client``) and plays, for every session,
the conversation a real Asterisk 20 has with callcenter's qualify route (the recorded
environment, ``GET VARIABLE CHANNEL(linkedid)``, the two ``SET VARIABLE`` and the ``EXEC MSet``,
then the server's close). This process runs, one after the other:

- the **baseline**: a bare asyncio FastAGI server answering the same conversation with
  constants (no lookups, no recording): what the protocol costs on this machine;
- **callcenter** as ``callcenter agi`` builds it (``build_agi_server``: store lookups, room
  ledger, recording through the ordered runner) on a throwaway SQLite file, then on a throwaway
  PostgreSQL database: the first burst right after start (cold), then warm bursts of 60 and of
  600. Between bursts every caller hangs up (their calls are marked ``line_ended``), so each
  burst finds an empty room of 60 places (the 540 others of a 600 burst are sent to overflow:
  decided too). From the second burst on, one caller in ten called in the previous burst.

Time per session: from the burst's instant to the server's close (connect included), as the
caller waits; "answer p99" is the server's part alone (from the end of the environment to the
close), and CPU/session is the server process's CPU time per session (with its ratio to the bare
server's, the least noisy figure on a shared machine). A session that did not get a real answer
(route, priority, not degraded) failed open. Prints a table and writes
``bench/results/agi-burst.json``. ``--split`` adds SQLite with the decisions dropped instead of
recorded (what recording them costs the burst).

    .venv/bin/python -m bench.agi_burst [--warm 5] [--tenfold 2] [--no-postgres] [--split]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import update

from bench.agi_client import BurstClient, Caller, SessionOutcome, callers
from bench.common import percentile, pg_database, table, write_results
from callcenter.agi.lookups import CALLS
from callcenter.agi.protocol import LINE_LIMIT
from callcenter.agi.qualify import QualifyRoute
from callcenter.agi.server import FastAgiServer
from callcenter.agi.service import build_agi_server
from callcenter.app import freeze_startup_heap
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.settings import AgiSettings, normalise_database_url
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKLOG = 1024  # as FastAgiServer's listen backlog
ROOM = 60


def summary(outcomes: list[SessionOutcome]) -> dict[str, Any]:
    seconds = [o.seconds for o in outcomes]
    answers = [o.answer_seconds for o in outcomes if o.answer_seconds == o.answer_seconds]
    return {
        "sessions": len(outcomes),
        # from the end of the environment to the server's close: the server's part alone
        "answer_p99_ms": round(percentile(answers, 99) * 1000, 2) if answers else None,
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p99_ms": round(percentile(seconds, 99) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
        "fail_open": sum(not o.decided for o in outcomes),
        "errors": sorted({o.error for o in outcomes if o.error}),
        "overflow": sum(o.variables.get("CALLCENTER_ROUTE") == "overflow" for o in outcomes),
        "repeat_linked": sum(
            o.variables.get("CALLCENTER_REPEAT_COUNT", "0") != "0" for o in outcomes
        ),
    }


# -- the baseline: the protocol alone ---------------------------------------------------------


async def _bare_session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while (await reader.readuntil(b"\n")) != b"\n":
            pass
        writer.write(b"GET VARIABLE CHANNEL(linkedid)\n")
        linkedid = (await reader.readuntil(b"\n")).decode().partition("(")[2].rstrip(")\n")
        for command in (
            b'SET VARIABLE QUEUE_PRIO "0"\n',
            b'SET VARIABLE CALLCENTER_ROUTE "queue"\n',
            (
                f'EXEC MSet "CALLCENTER_CALL_ID={linkedid},CALLCENTER_CALLER_E164=+212661000000,'
                "CALLCENTER_NUMBER_KIND=mobile,CALLCENTER_REPEAT_COUNT=0,"
                'CALLCENTER_LINKED_CALLS=,CALLCENTER_DEGRADED=0"\n'
            ).encode(),
        ):
            writer.write(command)
            await reader.readuntil(b"\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def bare(client: BurstClient, plan: list[tuple[str, int]]) -> dict[str, Any]:
    server = await asyncio.start_server(
        _bare_session, "127.0.0.1", 0, limit=LINE_LIMIT, backlog=BACKLOG
    )
    port = server.sockets[0].getsockname()[1]
    try:
        return await bursts(client, port, plan, between=_pause)
    finally:
        server.close()
        await server.wait_closed()


async def _pause() -> None:
    await asyncio.sleep(0.3)


# -- callcenter ------------------------------------------------------------------------------


async def bursts(
    client: BurstClient,
    port: int,
    plan: list[tuple[str, int]],
    *,
    between: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """Run the bursts of ``plan`` (label, size); a label's bursts are pooled."""
    pooled: dict[str, list[SessionOutcome]] = {}
    cpu: dict[str, float] = {}
    for number, (label, size) in enumerate(plan):
        calls: list[Caller] = callers(number, size)
        started = time.process_time()
        pooled.setdefault(label, []).extend(await client.burst(port, calls))
        await between()  # the recording of the burst finishes here: its CPU is counted
        cpu[label] = cpu.get(label, 0.0) + time.process_time() - started
    result = {label: summary(outcomes) for label, outcomes in pooled.items()}
    for label, seconds in cpu.items():
        result[label]["server_cpu_ms_per_session"] = round(
            seconds / result[label]["sessions"] * 1000, 3
        )
    return result


class Unrecorded:
    """--split: a sink that drops the decisions, to see what recording them costs."""

    async def submit(self, event: object) -> None:
        return None


async def callcenter(
    client: BurstClient,
    url: str,
    plan: list[tuple[str, int]],
    *,
    profiler: Any = None,
    record: bool = True,
) -> dict[str, Any]:
    """callcenter's FastAGI server, built as ``callcenter agi`` builds it, under ``plan``;
    ``profiler`` (pyinstrument's) runs from the server's start to the last burst; without
    ``record`` the decisions are dropped instead of recorded (the room then never fills)."""
    engine = create_engine(url)
    await upgrade(engine)
    runner = OrderedRunner(CallProcessor(TimelineStore(engine), NullNotifier()), measure_lag=False)
    runner.start()
    server: FastAgiServer = build_agi_server(
        AgiSettings(port=0, room_capacity=ROOM, retry_wait_seconds=10.0),
        engine,
        runner if record else Unrecorded(),
    )
    runner.gate = server.gate  # as callcenter agi wires it (pipeline/priority.py)
    route = server.routes["qualify"]
    assert isinstance(route, QualifyRoute)

    async def hang_up_everyone() -> None:
        await runner.drain()
        async with engine.begin() as conn:
            await conn.execute(update(CALLS).values(line_ended=True))
        await _pause()

    try:
        if profiler is not None:
            profiler.start()
        await server.start()
        freeze_startup_heap()  # as callcenter agi does once started
        result = await bursts(client, server.port, plan, between=hang_up_everyone)
        if profiler is not None:
            profiler.stop()
        result["server"] = {
            "answered": server.stats.answered,
            "cut_at_budget": server.stats.overran,
            "shed": server.stats.shed,
            "sink_failures": runner.stats.failed,
            "recording_batches": runner.stats.batches,
            "recording_held": server.gate.stats.held,
            "repeat_queries": route.priors.queries,
        }
        return result
    finally:
        await server.close()
        await runner.close()
        await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = [("cold_60", ROOM)]
    plan += [("warm_60", ROOM)] * args.warm
    plan += [("burst_600", 10 * ROOM)] * args.tenfold
    client = BurstClient()
    try:
        results: dict[str, Any] = {
            "plan": {"warm_60_bursts": args.warm, "600_bursts": args.tenfold}
        }
        results["bare"] = await bare(client, plan)
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = await callcenter(
                client, normalise_database_url(f"sqlite:///{tmp}/bench.db"), plan
            )
        if getattr(args, "split", False):
            with tempfile.TemporaryDirectory() as tmp:
                results["sqlite_unrecorded"] = await callcenter(
                    client, normalise_database_url(f"sqlite:///{tmp}/bench.db"), plan, record=False
                )
        if args.postgres:
            url, drop = await pg_database(args.postgres)
            try:
                results["postgres"] = await callcenter(client, url, plan)
            finally:
                await drop()
    finally:
        client.close()
    for config in ("sqlite", "sqlite_unrecorded", "postgres"):
        for label in ("cold_60", "warm_60", "burst_600"):
            if config in results and label in results[config]:
                mine, base = results[config][label], results["bare"][label]
                mine["p99_ratio_to_bare"] = round(mine["p99_ms"] / base["p99_ms"], 2)
                mine["cpu_ratio_to_bare"] = round(
                    mine["server_cpu_ms_per_session"] / base["server_cpu_ms_per_session"], 2
                )
    return results


TARGETS = {"cold_60": 20.0, "warm_60": 20.0, "burst_600": 100.0}


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [
        (
            "server",
            "burst",
            "p50 / p99 / max ms",
            "fail-open",
            "p99 x bare",
            "answer p99",
            "CPU/session",
            "target",
        )
    ]
    for config in ("bare", "sqlite", "sqlite_unrecorded", "postgres"):
        for label, target in TARGETS.items():
            r = results.get(config, {}).get(label)
            if r is None:
                continue
            ok = r["fail_open"] == 0 and r["p99_ms"] <= target
            out.append(
                (
                    config,
                    f"{label} (x{r['sessions'] // (600 if '600' in label else 60)})",
                    f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} / {r['max_ms']:.1f}",
                    f"{r['fail_open']}/{r['sessions']}",
                    f"{r.get('p99_ratio_to_bare', 1.0):.2f}",
                    f"{r['answer_p99_ms']:.1f} ms" if r.get("answer_p99_ms") is not None else "-",
                    f"{r['server_cpu_ms_per_session']:.2f} ms"
                    + (f" (x{r['cpu_ratio_to_bare']:.1f})" if "cpu_ratio_to_bare" in r else ""),
                    "-"
                    if config in ("bare", "sqlite_unrecorded")
                    else f"p99<={target:.0f}, 0 fail-open: {'met' if ok else 'MISSED'}",
                )
            )
    return out


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for ``python -m bench``'s table: (benchmark, figure, target, verdict)."""
    out = []
    for config in ("bare", "sqlite", "postgres"):
        for label, target in TARGETS.items():
            r = results.get(config, {}).get(label)
            if r is None:
                continue
            figure = (
                f"p50 {r['p50_ms']:.1f} / p99 {r['p99_ms']:.1f} / max {r['max_ms']:.1f} ms, "
                f"fail-open {r['fail_open']}/{r['sessions']}"
            )
            if config == "bare":
                out.append((f"AGI burst {label}: bare server", figure, "(the limit)", "-"))
                continue
            ok = r["fail_open"] == 0 and r["p99_ms"] <= target
            out.append(
                (
                    f"AGI burst {label}: {config}",
                    f"{figure}, p99 x{r['p99_ratio_to_bare']:.2f} bare",
                    f"p99 <= {target:.0f} ms, 0 fail-open",
                    "met" if ok else "MISSED",
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm bursts of 60 (pooled)")
    parser.add_argument("--tenfold", type=int, default=2, help="bursts of 600 (pooled)")
    parser.add_argument("--postgres", default=ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const=None)
    parser.add_argument("--name", default="agi-burst", help="results file name (no .json)")
    parser.add_argument(
        "--split",
        action="store_true",
        help="also SQLite with the decisions dropped, not recorded: what recording costs",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(run(args))
    print(table(rows(results)))
    print(f"written to {write_results(args.name, results)}")


if __name__ == "__main__":
    main()
