"""Live fan-out figures: N messages published, K supervisor websocket clients, memory or Redis.

    python -m bench.live_fanout [--kind memory|redis] [--clients 25] [--messages 2000]

Prints messages/s delivered to every client and the publish-to-receive latency (p50/p99) seen
by the clients. Uses the test room (fakes at the PBX ports) on a throwaway SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.client import connect

from callcenter.auth.roles import Role
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.logs import make_log
from tests.api.room import build_room, serve
from tests.databases import sqlite_url


async def run(kind: str, clients: int, messages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(sqlite_url(Path(tmp)))
        await upgrade(engine)
        async with make_log(kind) as log:
            room = await build_room(TimelineStore(engine), log, buffer=4096)
            token = room.token("sup", Role.SUPERVISOR)
            async with serve(room.app) as base:
                url = base.replace("http://", "ws://") + f"/live/supervisor?token={token}"
                sockets = [await connect(url, max_size=None) for _ in range(clients)]
                for ws in sockets:
                    await ws.recv()  # hello
                latencies: list[float] = []

                async def drain(ws: object) -> None:
                    for _ in range(messages):
                        m = json.loads(await ws.recv())  # type: ignore[attr-defined]
                        sent = datetime.fromisoformat(m["at"])
                        latencies.append((datetime.now(UTC) - sent).total_seconds())

                readers = [asyncio.create_task(drain(ws)) for ws in sockets]
                started = time.perf_counter()
                for n in range(messages):
                    await room.services.hub.publish("call", "bench", call_id=f"c{n % 60}")
                async with asyncio.timeout(300):
                    await asyncio.gather(*readers)
                elapsed = time.perf_counter() - started
                for ws in sockets:
                    await ws.close()
        await engine.dispose()
    latencies.sort()
    print(
        f"{kind}: {messages} messages x {clients} clients in {elapsed:.2f}s = "
        f"{messages * clients / elapsed:,.0f} deliveries/s; latency p50 "
        f"{statistics.median(latencies) * 1000:.1f} ms, p99 "
        f"{latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["memory", "redis"], default="redis")
    parser.add_argument("--clients", type=int, default=25)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.kind, args.clients, args.messages))


if __name__ == "__main__":
    main()
