"""The benchmark suite: ``python -m bench --quick`` (under 4 minutes) or ``--full``.

Runs every benchmark of issue 8 in one go, prints a table against the targets at the end and
writes one JSON per benchmark plus ``summary-<mode>.json`` to ``bench/results/`` (each with the
machine, package versions, commit and date). ``--only ingest,live`` runs a subset.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.common import pg_database, table, write_results

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Scale:
    ingest_events: int
    live_traffic_s: float
    agi_requests: int
    agi_rate: float
    agi_open_s: float
    handoffs: int
    auditor_calls: int
    auditor_fetches: int
    burst_calls: tuple[int, ...] = (60, 600)  # calls within 2 s (the room's burst, then 10x)


QUICK = Scale(30_000, 30, 1000, 40.0, 10, 300, 50_000, 1000, (60,))
FULL = Scale(200_000, 60, 5000, 40.0, 60, 1000, 1_000_000, 5000)

Row = tuple[str, str, str, str]  # benchmark, figure, target, verdict


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


async def ingest(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    import tempfile

    from bench.ami_stream import build_stream
    from bench.ingest_bench import bare_panoramisk, full_pipeline

    body, events = build_stream(scale.ingest_events)
    bare = await bare_panoramisk(body, events)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = await full_pipeline(body, events, f"sqlite+aiosqlite:///{tmp}/bench.db")
    url, drop = await pg_database(args.postgres)
    try:
        pg = await full_pipeline(body, events, url)
    finally:
        await drop()
    ratio_sqlite = sqlite["events_per_s"] / bare["events_per_s"]
    ratio_pg = pg["events_per_s"] / bare["events_per_s"]
    result = {
        "stream_events": events,
        "stream_bytes": len(body),
        "bare_panoramisk": bare,
        "pipeline_sqlite": sqlite,
        "pipeline_postgres": pg,
        "ratio_sqlite": ratio_sqlite,
        "ratio_postgres": ratio_pg,
    }
    ok_sqlite = ratio_sqlite >= 0.5 and sqlite["events_per_s"] >= 20_000
    rows = [
        ("ingest: bare panoramisk", f"{bare['events_per_s']:,.0f} ev/s", "(the limit)", "-"),
        (
            "ingest: pipeline, SQLite",
            f"{sqlite['events_per_s']:,.0f} ev/s, ratio {ratio_sqlite:.2f}",
            ">= 20,000 ev/s, >= 0.5",
            verdict(ok_sqlite),
        ),
        (
            "ingest: pipeline, PostgreSQL",
            f"{pg['events_per_s']:,.0f} ev/s, ratio {ratio_pg:.2f}",
            "(reported)",
            "-",
        ),
    ]
    return result, rows


async def live(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench.live_bench import LiveLoad, run

    room = await run(LiveLoad(60, 20, 40.0, scale.live_traffic_s))
    tenfold = await run(LiveLoad(600, 200, 400.0, scale.live_traffic_s))
    rows = []
    for label, r, target in (("60/20", room, 50.0), ("600/200", tenfold, 150.0)):
        lat = r["latency"]
        rows.append(
            (
                f"live: PBX -> 30 websockets, {label}",
                f"p50 {lat['p50_ms']:.1f} / p99 {lat['p99_ms']:.1f} / max {lat['max_ms']:.1f} ms",
                f"p99 <= {target:.0f} ms",
                verdict(lat["count"] > 0 and lat["p99_ms"] <= target),
            )
        )
        rows.append(
            (
                f"  p99 split, {label}",
                f"PBX->bridge {r['pbx_to_received']['p99_ms']:.0f}, bridge->feed "
                f"{r['received_to_publish']['p99_ms']:.0f}, feed->client "
                f"{r['publish_to_client']['p99_ms']:.0f} ms",
                "",
                "",
            )
        )
    rss = tenfold["room_rss_max_under_load_mb"]
    rows.append(
        (
            "memory: room RSS, 600 calls",
            f"{rss:.0f} MB under load (VmHWM {tenfold['room_vm_hwm_mb']:.0f} MB, "
            f"peak {tenfold['peak_concurrent_calls']} calls)",
            "<= 150 MB",
            verdict(rss <= 150),
        )
    )
    return {"room_60_20": room, "tenfold_600_200": tenfold}, rows


async def agi(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench import agi_bench

    ns = argparse.Namespace(
        requests=scale.agi_requests,
        no_store=False,
        rate=None,
        concurrency=60,
        budget_ms=200,
        database=None,
    )
    closed = await agi_bench.run(ns)
    # Closed loop (60 sessions always in flight) measures answers/s; its latency is queueing
    # (Little: 60 / throughput). Open loop at a fixed arrival rate, up to 60 in flight, measures
    # the latency a caller sees.
    ns.rate, ns.requests = scale.agi_rate, int(scale.agi_rate * scale.agi_open_s)
    opened = await agi_bench.run(ns)
    rows = []
    for label, r in (("closed loop, 60 in flight", closed), (f"{ns.rate:.0f}/s open loop", opened)):
        lat = r["latency_ms"]
        assert isinstance(lat, dict)
        rows.append(
            (
                f"AGI: {label}",
                f"{r['requests_per_second']}/s, p50 {lat['p50']} / p99 {lat['p99']} ms",
                "(answers/s)" if r is closed else "p99 <= 20 ms",
                "-" if r is closed else verdict(lat["p99"] <= 20),
            )
        )
    return {"closed_loop": closed, "open_loop": opened}, rows


async def agi_burst(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench import agi_burst as burst_bench

    full = scale is FULL
    ns = argparse.Namespace(
        warm=20 if full else 5, tenfold=5 if full else 2, postgres=args.postgres
    )
    result = await burst_bench.run(ns)
    return result, burst_bench.verdicts(result)


async def handoff(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench import handoff_bench

    sqlite = await handoff_bench.run(scale.handoffs, args.redis, None)
    url, drop = await pg_database(args.postgres)
    try:
        pg = await handoff_bench.run(scale.handoffs, args.redis, url)
    finally:
        await drop()
    rows = []
    for label, r, target in (("SQLite", sqlite, None), ("PostgreSQL", pg, 20.0)):
        rows.append(
            (
                f"hand-off: qualify -> console, {label} + Redis",
                f"p50 {r['p50_ms']:.1f} / p99 {r['p99_ms']:.1f} ms (its commit p99 "
                f"{r['qualify_commit_p99_ms']:.1f})",
                "p99 <= 20 ms" if target else "(reported)",
                verdict(r["p99_ms"] <= target) if target else "-",
            )
        )
    return {"sqlite": sqlite, "postgres": pg}, rows


async def burst(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench import burst_bench

    results: dict[str, Any] = {}
    rows = []
    for calls in scale.burst_calls:
        r = await burst_bench.run(calls, 2.0, admin_url=args.postgres, redis_url=args.redis)
        results[f"calls_{calls}"] = r
        lat, agi = r["latency"], r["agi_answer"]
        rows.append(
            (
                f"burst: {calls} calls in 2 s, PBX -> 30 websockets",
                f"p50 {lat['p50_ms']:.1f} / p99 {lat['p99_ms']:.1f} / max {lat['max_ms']:.1f} ms",
                "(reported)",
                "-",
            )
        )
        rows.append(
            (
                f"  FastAGI answers ({r['agi_sessions']}), RSS",
                f"p50 {agi['p50_ms']:.1f} / p99 {agi['p99_ms']:.1f} / max {agi['max_ms']:.1f} ms;"
                f" {r['room_rss_max_mb']:.0f} MB",
                "",
                "",
            )
        )
    return results, rows


async def auditor(scale: Scale, args: argparse.Namespace) -> tuple[dict[str, Any], list[Row]]:
    from bench import auditor_bench

    result = await auditor_bench.run(args.postgres, scale.auditor_calls, scale.auditor_fetches)
    fetch = result["fetch"]
    row = (
        f"auditor: timeline fetch, {scale.auditor_calls:,} calls",
        f"p50 {fetch['p50_ms']:.2f} / p99 {fetch['p99_ms']:.2f} ms",
        "p99 <= 20 ms (1 M calls)",
        verdict(fetch["p99_ms"] <= 20),
    )
    return result, [row]


BENCHMARKS: dict[str, Callable[[Scale, argparse.Namespace], Awaitable[tuple[Any, list[Row]]]]] = {
    "ingest": ingest,
    "agi": agi,
    "agi_burst": agi_burst,
    "handoff": handoff,
    "auditor": auditor,
    "live": live,
    "burst": burst,
}


async def main(args: argparse.Namespace) -> int:
    mode = "full" if args.full else "quick"
    scale = FULL if args.full else QUICK
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    rows: list[Row] = [("benchmark", "figure", "target", "verdict")]
    summary: dict[str, Any] = {"mode": mode, "benchmarks": {}}
    failed = 0
    started = time.perf_counter()
    for name in chosen:
        print(f"== {name} ({mode})", flush=True)
        t = time.perf_counter()
        try:
            result, bench_rows = await BENCHMARKS[name](scale, args)
        except Exception:
            traceback.print_exc()
            failed += 1
            rows.append((name, "FAILED (see above)", "", ""))
            continue
        seconds = time.perf_counter() - t
        path = write_results(f"{name}-{mode}", {"mode": mode, "seconds": seconds, **result})
        print(f"   {seconds:.1f} s -> {path}", flush=True)
        rows.extend(bench_rows)
        summary["benchmarks"][name] = [dict(zip(rows[0], r, strict=True)) for r in bench_rows]
    summary["seconds"] = time.perf_counter() - started
    write_results(f"summary-{mode}", summary)
    print()
    print(table(rows))
    print(f"\n{mode} run: {summary['seconds']:.0f} s; results in bench/results/")
    return 1 if failed else 0


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="scaled down, under 4 minutes (default)")
    size.add_argument("--full", action="store_true", help="full sizes (1 M auditor calls)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--postgres", default=ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--redis", default=REDIS_URL)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    raise SystemExit(asyncio.run(main(args)))


cli()
