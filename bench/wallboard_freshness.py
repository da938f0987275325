"""Wallboard freshness in the browser: from an AMI event's time to the tile changing on screen.

Three processes as in ``bench.live_bench`` (the PBX simulator with a generated queues.conf,
the room ``bench.room_proc``, which serves the built web app) and Debian's chromium on
``/wallboard?wall=1`` as the supervisor (``bench/wallboard_page.mjs``). The page records, for
each call event that changed the calls-waiting tile, the time after the next frame was
painted (``requestAnimationFrame`` then a task); each record is matched to the timeline step
the event announces, whose ``at`` is the AMI ``Timestamp:`` (same machine, same clock).
Latency = painted - PBX time: PBX -> bridge -> pipeline -> live log -> websocket -> store ->
React -> paint.

    .venv/bin/python -m bench.wallboard_freshness            # 60 calls / 20 seats, 30 s
    .venv/bin/python -m bench.wallboard_freshness 600 200    # 10x

Writes ``bench/results/wallboard-freshness-<calls>-<seats>.json``. Needs the web app built
(``scripts/build-web``) and ``web/node_modules`` (``npm ci`` in web/).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import latency_summary, write_results
from bench.live_bench import (
    ROOT,
    LiveLoad,
    _epoch,
    _spawn,
    _steps,
    _token,
    free_port,
    queues_conf,
    scenario,
)

TARGET_P99_S = {20: 0.100, 200: 0.250}


def _open_page(base: str, seconds: float, out: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(
            ["node", str(ROOT / "bench" / "wallboard_page.mjs"), base, str(seconds), str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
        )


async def run(load: LiveLoad) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-wall-"))
    ami_port, api_port = free_port(), free_port()
    (tmp / "queues.conf").write_text(queues_conf(load.seats, load.calls))
    (tmp / "scenario.toml").write_text(scenario(load, burst_at=15.0))
    room = _spawn(
        [
            *("-m", "bench.room_proc", "--ami-port", str(ami_port)),
            *("--api-port", str(api_port), "--data-dir", str(tmp)),
        ],
        tmp / "room.log",
    )
    sim: subprocess.Popen[bytes] | None = None
    page: subprocess.Popen[bytes] | None = None
    out = tmp / "page.json"
    try:
        base = f"http://127.0.0.1:{api_port}"
        await _token(base, time.monotonic() + 60)
        page = _open_page(base, load.traffic_s + 5, out, tmp / "page.log")
        assert page.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(page.stdout.readline), 90)
        if line.strip() != b"ready":
            raise RuntimeError(f"the page did not start: {(tmp / 'page.log').read_text()}")
        sim = _spawn(
            [
                *("-m", "callcenter", "simulate", str(tmp / "scenario.toml")),
                *("--ami-port", str(ami_port), "--control-port", "0", "--no-agi", "--quiet"),
                *("--queues-conf", str(tmp / "queues.conf")),
            ],
            tmp / "sim.log",
        )
        await asyncio.to_thread(page.wait, load.traffic_s + 120)
        sim.send_signal(signal.SIGINT)
        await asyncio.to_thread(sim.wait, 30)
        room.send_signal(signal.SIGTERM)
        await asyncio.to_thread(room.wait, 60)
        result = json.loads(out.read_text())
    finally:
        for p in (sim, room, page):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    steps, peak_calls, calls = await _steps(tmp / "callcenter.db")
    latencies: list[float] = []
    pbx_to_publish: list[float] = []  # AMI Timestamp -> the room appended it to its live log
    publish_to_page: list[float] = []  # live log -> websocket -> the page's handler
    page_to_paint: list[float] = []  # store, React render, next frame painted
    unmatched = 0
    seen: dict[tuple[str, str], int] = {}
    for record in result["shown"]:
        key = (str(record["call_id"]), str(record["kind"]))
        n = seen.get(key, 0)
        seen[key] = n + 1
        options = steps.get(key, [])
        if n >= len(options) or options[n][1] != "pbx":
            unmatched += 1
            continue
        latencies.append(record["shown"] / 1000 - options[n][0])
        published = _epoch(record["published"])
        pbx_to_publish.append(published - options[n][0])
        publish_to_page.append(record["received"] / 1000 - published)
        page_to_paint.append((record["shown"] - record["received"]) / 1000)
    shutil.rmtree(tmp, ignore_errors=True)
    summary = latency_summary(latencies)
    return {
        "calls_burst": load.calls,
        "seats": load.seats,
        "traffic_s": load.traffic_s,
        "calls_in_db": calls,
        "peak_concurrent_calls": peak_calls,
        "tile_changes_matched": len(latencies),
        "tile_changes_unmatched": unmatched,
        "page_errors": result["errors"][:5],
        "latency": summary,
        "pbx_to_publish": latency_summary(pbx_to_publish),
        "publish_to_page": latency_summary(publish_to_page),
        "page_to_paint": latency_summary(page_to_paint),
        "target_p99_ms": TARGET_P99_S.get(load.seats, 0.25) * 1000,
    }


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    seats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    traffic = float(sys.argv[3]) if len(sys.argv) > 3 else 45
    result = asyncio.run(run(LiveLoad(calls, seats, calls * 2 / 3, traffic)))
    path = write_results(f"wallboard-freshness-{calls}-{seats}", result)
    print(json.dumps({k: v for k, v in result.items()}, indent=2), "->", path)


if __name__ == "__main__":
    main()
