"""Live latency: the PBX simulator -> the room -> 30 supervisor websockets, PBX clock to client.

Three processes on loopback: the simulator (``callcenter simulate``, its own scenario and
queues.conf), the room (``bench.room_proc``: bridge, pipeline on SQLite, dispatch, API) and this
one, which logs in as ``supervisor`` and holds ``clients`` websockets on ``/live/supervisor``.

The feed's ``at`` is when the room published the message, not the PBX's time, so latency is
taken against the PBX: every call message (call_id, kind) is matched, in order, to the timeline
step the room stored for it, whose ``at`` is the ``Timestamp:`` of the AMI event that caused it
(``clock == "pbx"``). Latency = client's wall clock at receipt - that PBX timestamp (same machine,
same clock). Only calls that entered after every client was connected are counted.

The room's peak RSS (VmHWM from /proc) and the peak number of concurrent calls (from the calls
table) are reported too: the 10x run is the memory benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from bench.common import latency_summary

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LiveLoad:
    calls: int  # callers in the opening burst (the room full)
    seats: int
    per_minute: float  # arrivals after the burst
    traffic_s: float  # wall seconds of traffic before stopping
    clients: int = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queues_conf(seats: int, maxlen: int) -> str:
    """asterisk/queues.conf with ``seats`` members and ``maxlen``."""
    lines = []
    for line in (ROOT / "asterisk" / "queues.conf").read_text().splitlines():
        if line.startswith("member =>"):
            continue
        if line.startswith("maxlen ="):
            line = f"maxlen = {maxlen}"
        lines.append(line)
    width = max(2, len(str(seats)))
    for i in range(1, seats + 1):
        n = f"{i:0{width}d}"
        lines.append(f"member => PJSIP/seat{n},0,Seat {n},PJSIP/seat{n}")
    return "\n".join(lines) + "\n"


def scenario(load: LiveLoad, burst_at: float) -> str:
    return f"""name = "bench {load.calls}/{load.seats}"
seed = 60
duration = {load.traffic_s + 60}
queue = "line19"

[arrivals]
per_minute = {load.per_minute}

[[bursts]]
at = {burst_at}
calls = {load.calls}
over = {max(5, load.calls // 60)}

[callers]
silent = 0.1
prank = 0.05
repeat = 0.1
caller_hangs_up = 0.3

[patience]
distribution = "lognormal"
mean = 120
min = 10
max = 300

[talk]
distribution = "lognormal"
mean = 40
min = 5
max = 240

[seats]
ring_min = 1
ring_max = 4
no_answer = 0.03
"""


def memory_kb(pid: int) -> dict[str, int]:
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    return out


async def settled(received: list[Any], quiet: float = 3.0, limit: float = 120.0) -> None:
    """Wait until ``received`` has not grown for ``quiet`` seconds (``limit`` at most)."""
    deadline = time.monotonic() + limit
    count, since = len(received), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        await asyncio.sleep(0.2)
        if len(received) != count:
            count, since = len(received), time.monotonic()


async def _token(base: str, deadline: float) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while True:
            try:
                r = await http.post(
                    "/auth/token", data={"username": "supervisor", "password": "demo-password"}
                )
                if r.status_code == 200:
                    return str(r.json()["access_token"])
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the room's API did not come up")
            await asyncio.sleep(0.2)


async def _client(
    url: str, ready: asyncio.Event, sink: list[tuple[float, str, str, str]], closes: list[str]
) -> None:
    async with connect(url, max_size=None) as ws:
        await ws.recv()  # hello
        ready.set()
        try:
            async for raw in ws:
                now = time.time()
                m = json.loads(raw)
                if m.get("type") == "event" and m.get("topic") == "call":
                    sink.append((now, m["call_id"], m["kind"], m["at"]))
        except Exception as exc:  # a slow consumer is closed (4008): count it
            if getattr(ws, "close_code", None) != 1012:  # 1012: the room stopping at the end
                closes.append(repr(exc))
    if ws.close_code not in (None, 1000, 1001, 1012):
        closes.append(f"closed {ws.close_code}")


Steps = dict[tuple[str, str], list[tuple[float, str, float]]]


def steps_of(timeline: Iterable[Any], calls: Iterable[Any]) -> tuple[Steps, int, int]:
    """Timeline rows (call_id, kind, at, clock, received_at) in (call, seq) order and call rows
    (rang_at, ended_at): steps by (call, kind) as (PBX epoch, clock, received epoch), the peak
    number of concurrent calls and the number of calls."""
    by: Steps = defaultdict(list)
    for call_id, kind, at, clock, received in timeline:
        by[(call_id, kind)].append((_epoch(at), clock, _epoch(received)))
    edges = []
    count = 0
    for rang, ended in calls:
        count += 1
        edges.append((_epoch(rang), 1))
        if ended is not None:
            edges.append((_epoch(ended), -1))
    live = peak = 0
    for _, d in sorted(edges):
        live += d
        peak = max(peak, live)
    return by, peak, count


async def _steps(db: Path) -> tuple[Steps, int, int]:
    """``steps_of`` the room's SQLite file."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return steps_of(
            con.execute(
                "SELECT call_id, kind, at, clock, received_at FROM timeline ORDER BY call_id, seq"
            ).fetchall(),
            con.execute("SELECT rang_at, ended_at FROM calls").fetchall(),
        )
    finally:
        con.close()


def match(
    received: list[tuple[float, str, str, str]], steps: Steps, counted: set[str], clients: int
) -> dict[str, Any]:
    """Each call message the clients received (client time, call, kind, published) matched
    to the timeline step it announces: latency from the step's PBX time, and its split."""
    latencies: list[float] = []
    # AMI Timestamp -> the bridge read the frame (the PBX's own lag + loopback TCP) ->
    # the room appended the message to its live log -> websocket -> parsed at the client.
    pbx_to_received: list[float] = []
    received_to_publish: list[float] = []
    publish_to_client: list[float] = []
    unmatched = 0
    # Every client receives every message: the n-th copy of (call, kind) across the clients is
    # occurrence n // clients of that step.
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for now, call_id, kind, published in received:
        if call_id not in counted:
            continue
        key = (call_id, kind)
        n = seen[key] // clients
        seen[key] += 1
        options = steps.get(key, [])
        if n >= len(options) or options[n][1] != "pbx":
            unmatched += 1
            continue
        latencies.append(now - options[n][0])
        pbx_to_received.append(options[n][2] - options[n][0])
        received_to_publish.append(_epoch(published) - options[n][2])
        publish_to_client.append(now - _epoch(published))
    return {
        "messages_matched": len(latencies),
        "messages_unmatched": unmatched,
        "latency": latency_summary(latencies),
        "pbx_to_received": latency_summary(pbx_to_received),
        "received_to_publish": latency_summary(received_to_publish),
        "publish_to_client": latency_summary(publish_to_client),
    }


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value)
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        from datetime import UTC

        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spawn(args: list[str], log_file: Path) -> subprocess.Popen[bytes]:
    with log_file.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err
        )


async def run(load: LiveLoad, *, profile: Path | None = None) -> dict[str, Any]:
    """``profile``: the room runs under pyinstrument, its report written there."""
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-live-"))
    ami_port, api_port = free_port(), free_port()
    (tmp / "queues.conf").write_text(queues_conf(load.seats, load.calls))
    (tmp / "scenario.toml").write_text(scenario(load, burst_at=8.0))
    sim = _spawn(
        [
            *("-m", "callcenter", "simulate", str(tmp / "scenario.toml")),
            *("--ami-port", str(ami_port), "--control-port", "0", "--no-agi", "--quiet"),
            *("--queues-conf", str(tmp / "queues.conf")),
        ],
        tmp / "sim.log",
    )
    room = _spawn(
        [
            *("-m", "bench.room_proc", "--ami-port", str(ami_port)),
            *("--api-port", str(api_port), "--data-dir", str(tmp)),
            *(("--profile", str(profile)) if profile is not None else ()),
        ],
        tmp / "room.log",
    )
    started = time.monotonic()
    received: list[tuple[float, str, str, str]] = []
    closes: list[str] = []
    peak_rss: dict[str, int] = {}
    rss_max = 0
    tasks: list[asyncio.Task[None]] = []
    try:
        token = await _token(f"http://127.0.0.1:{api_port}", time.monotonic() + 60)
        url = f"ws://127.0.0.1:{api_port}/live/supervisor?token={token}"
        readies = [asyncio.Event() for _ in range(load.clients)]
        tasks = [asyncio.create_task(_client(url, r, received, closes)) for r in readies]
        async with asyncio.timeout(30):
            for r in readies:
                await r.wait()
        ready_at = time.time()
        cpu_room, cpu_self = _cpu_seconds(room.pid), time.process_time()
        while time.monotonic() - started < load.traffic_s:
            await asyncio.sleep(0.5)
            peak_rss = memory_kb(room.pid) or peak_rss
            rss_max = max(rss_max, peak_rss.get("VmRSS", 0))
        sim.send_signal(signal.SIGINT)
        await asyncio.to_thread(sim.wait, 30)
        # The room sees the PBX go and finishes what it had: a room that lags is waited for
        # (until 3 s pass without a message), or its slowest messages would not be counted.
        await settled(received)
        peak_rss = memory_kb(room.pid) or peak_rss
        rss_max = max(rss_max, peak_rss.get("VmRSS", 0))
        wall = time.time() - ready_at
        cpu_room = _cpu_seconds(room.pid) - cpu_room
        cpu_self = time.process_time() - cpu_self
        room.send_signal(signal.SIGTERM)
        await asyncio.to_thread(room.wait, 60)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in (sim, room):
            if p.poll() is None:
                p.kill()
                p.wait()
    steps, peak_calls, calls = await _steps(tmp / "callcenter.db")
    shutil.rmtree(tmp, ignore_errors=True)  # kept only when the run failed, for its logs
    entered = {c: s[0][0] for (c, k), s in steps.items() if k == "entered"}
    counted = {c for c, at in entered.items() if at >= ready_at}
    matched = match(received, steps, counted, load.clients)
    return {
        "calls_burst": load.calls,
        "seats": load.seats,
        "clients": load.clients,
        "traffic_s": load.traffic_s,
        "calls_in_db": calls,
        "peak_concurrent_calls": peak_calls,
        "calls_counted": len(counted),
        **matched,
        "client_disconnects": closes[:5],
        # Share of one core used during the traffic (this machine has two, shared by the
        # simulator, the room and the clients).
        "room_cpu_share": round(cpu_room / wall, 2),
        "room_cpu_s": round(cpu_room, 2),
        "clients_cpu_share": round(cpu_self / wall, 2),
        "room_vm_hwm_mb": round(peak_rss.get("VmHWM", 0) / 1024, 1),
        # VmHWM includes the demo users' argon2id hashing at start (64 MiB per hash, by
        # design); the largest RSS sampled every 0.5 s under load is the bridge's own peak.
        "room_rss_max_under_load_mb": round(rss_max / 1024, 1),
    }


if __name__ == "__main__":
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    seats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    # a third argument: write the room's pyinstrument profile there
    where = Path(sys.argv[3]).resolve() if len(sys.argv) > 3 else None
    result = asyncio.run(run(LiveLoad(calls, seats, calls * 2 / 3, 30), profile=where))
    print(json.dumps(result, indent=2))
