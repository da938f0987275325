"""What an API-only process pays to act through the bridge: one command's round trip.

``RemotePbx.seat_pause`` -> Redis Stream -> ``CommandServer`` -> a PBX that does nothing ->
reply list -> BLPOP, on the real Redis, one caller at a time and then ``--concurrency``
callers at once (operators acting together). In one process the same call is a method call,
so these figures are the whole cost of the split (Asterisk's own answer comes on top).

    .venv/bin/python -m bench.command_bench [--commands 2000] [--concurrency 20]

Writes ``bench/results/commands.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

from bench.common import latency_summary, write_results
from callcenter.messaging.command_server import CommandServer
from callcenter.messaging.commands import BridgeKeys, CommandClient
from callcenter.messaging.connection import connect
from callcenter.remote.handlers import bridge_handlers
from callcenter.remote.ports import RemotePbx

REDIS_URL = "redis://127.0.0.1:6379/0"


class IdlePbx:
    """Accepts everything at once (the bench measures the channel, not Asterisk)."""

    def __getattr__(self, name: str) -> Any:
        async def accept(*_args: object, **_kwargs: object) -> None:
            return None

        return accept


class NoSink:
    async def submit(self, event: object) -> None:
        return None

    async def request(self, call_id: str, qualification: object, by: str) -> str:
        return ""


async def timed(pbx: RemotePbx, n: int, samples: list[float]) -> None:
    for i in range(n):
        start = time.perf_counter()
        await pbx.seat_pause("line19", f"PJSIP/seat{i % 20 + 1:02d}", "bench")
        samples.append(time.perf_counter() - start)


async def run(redis_url: str, commands: int, concurrency: int) -> dict[str, Any]:
    redis = connect(redis_url, timeout=2.0, block_seconds=10.0)
    keys = BridgeKeys(f"bench:{uuid.uuid4().hex}")
    sink = NoSink()
    server = CommandServer(
        redis, keys, bridge_handlers(IdlePbx(), sink, sink), name="bench", ami_connected=bool
    )
    stop = asyncio.Event()
    task = asyncio.create_task(server.run(stop))
    try:
        while not await redis.exists(keys.heartbeat):  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.01)
        pbx = RemotePbx(CommandClient(redis, keys, timeout=8.0))
        await timed(pbx, 50, [])  # warm-up
        sequential: list[float] = []
        started = time.perf_counter()
        await timed(pbx, commands, sequential)
        seq_s = time.perf_counter() - started
        parallel: list[float] = []
        started = time.perf_counter()
        each = commands // concurrency
        await asyncio.gather(*(timed(pbx, each, parallel) for _ in range(concurrency)))
        par_s = time.perf_counter() - started
    finally:
        stop.set()
        await task
        found = [k async for k in redis.scan_iter(f"{keys.prefix}:*")]
        if found:
            await redis.delete(*found)
        await redis.aclose()
    return {
        "what": "RemotePbx.seat_pause round trip over Redis to a PBX that accepts at once",
        "sequential": {**latency_summary(sequential), "per_second": commands / seq_s},
        "concurrent": {
            "callers": concurrency,
            **latency_summary(parallel),
            "per_second": len(parallel) / par_s,
        },
        "server": vars(server.stats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--redis", default=REDIS_URL)
    args = parser.parse_args()
    results = asyncio.run(run(args.redis, args.commands, args.concurrency))
    path = write_results("commands", results)
    for name in ("sequential", "concurrent"):
        r = results[name]
        print(
            f"{name:<10} p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
            f"max {r['max_ms']:.2f} ms  {r['per_second']:.0f}/s"
        )
    print(f"-> {path}")


if __name__ == "__main__":
    main()
