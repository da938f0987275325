"""Watch the SLA burn-rate alert on the simulator: does it fire before the breach, and only then?

Starts ``callcenter demo --scenario <name>`` (no seat left to a person) on free ports with its
data in a temporary directory, logs in as the supervisor and reads ``GET /wallboard/board``
every ``--every`` seconds for ``--seconds``. Records each reading (burn status, measured and
projected 15 s figure, queue depth) and, at the end: when the forecast first left ``ok``, when
the measured figure first fell below the target (the breach), and the lead between them.

    .venv/bin/python -m bench.burn_watch --scenario mass-casualty --seconds 300
    .venv/bin/python -m bench.burn_watch --scenario line19-demo --seconds 900

Writes ``bench/results/burn-<scenario>.json``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import write_results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _free_pair() -> int:
    for _ in range(50):
        port = _free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def watch(scenario: str, seconds: float, every: float) -> dict[str, Any]:
    api, ami, agi = _free_port(), _free_pair(), _free_port()
    data = tempfile.mkdtemp(prefix="burn-watch-")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CALLCENTER_REDIS__", "CALLCENTER_DATABASE__"))
    }
    env.update(
        CALLCENTER_DATA_DIR=data,
        CALLCENTER_API__PORT=str(api),
        CALLCENTER_AMI__PORT=str(ami),
        CALLCENTER_AGI__PORT=str(agi),
    )
    cli = Path(sys.executable).with_name("callcenter")
    proc = subprocess.Popen(
        [str(cli), "demo", "--scenario", scenario],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{api}"
    readings: list[dict[str, Any]] = []
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            for _ in range(300):
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"callcenter demo exited with {proc.returncode}")
                time.sleep(0.3)
            else:
                raise RuntimeError("callcenter demo did not answer in 90 s")
            token = http.post(
                "/auth/token", data={"username": "supervisor", "password": "demo-password"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            start = time.monotonic()
            while time.monotonic() - start < seconds:
                board = http.get("/wallboard/board", headers=headers).json()
                w = board["windows"]["15m"]
                readings.append(
                    {
                        "t": round(time.monotonic() - start, 1),
                        "status": board["burn"]["status"],
                        "breach_in_seconds": board["burn"]["breach_in_seconds"],
                        "measured": w["answered_within"]["15"],
                        "left": w["answered"] + w["abandoned"],
                        "projected": board["burn"]["projected"],
                        "waiting": w["calls_waiting"],
                    }
                )
                time.sleep(every)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    first_alert = next((r["t"] for r in readings if r["status"] != "ok"), None)
    breach = next(
        (
            r["t"]
            for r in readings
            if r["measured"] is not None and r["measured"] < 90 and r["left"] >= 10
        ),
        None,
    )
    return {
        "scenario": scenario,
        "seconds": seconds,
        "every": every,
        "first_alert_at": first_alert,
        "first_alert_status": next((r["status"] for r in readings if r["status"] != "ok"), None),
        "breach_at": breach,
        "lead_seconds": None
        if first_alert is None or breach is None
        else round(breach - first_alert, 1),
        "max_waiting": max((r["waiting"] for r in readings), default=0),
        "readings": readings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="mass-casualty")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--every", type=float, default=2)
    args = parser.parse_args()
    result = watch(args.scenario, args.seconds, args.every)
    path = write_results(f"burn-{args.scenario}", result)
    summary = {k: v for k, v in result.items() if k != "readings"}
    print(summary, "->", path)


if __name__ == "__main__":
    main()
