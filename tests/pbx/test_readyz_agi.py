"""Issue 14, item 3: ``/readyz`` says whether the PBX has reached the FastAGI server lately.

A dialplan aimed at the wrong host loses no call (fail-open into the queue) but bypasses the
room limit and the priorities without a word; readiness makes it visible. It is reported, not
counted against readiness: a quiet line looks the same.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from callcenter.agi.server import FastAgiServer
from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import build_room, client, serve
from tests.databases import sqlite_url


async def test_readyz_reports_whether_the_pbx_reached_the_agi(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    now = [0.0]
    server = FastAgiServer({}, port=0, clock=lambda: now[0])
    await server.start()
    room = await build_room(TimelineStore(engine), MemoryLog())
    room.services.agi_idle = server.idle_seconds
    room.services.agi_ready_within = 60.0
    try:
        async with serve(room.app) as base, client(base) as http:

            async def agi() -> str:
                reply = await http.get("/readyz")
                assert reply.status_code == 200  # never a reason to be unready
                assert reply.json()["status"] == "ready"
                return str(reply.json()["agi"])

            assert await agi() == "silent"  # not reached since the start
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"agi_network: yes\nagi_network_script: qualify\nagi_uniqueid: 1.1\n\n")
            assert await reader.read() == b""  # no such route here: closed at once
            writer.close()
            assert await agi() == "ok"
            now[0] += 60.5
            assert await agi() == "silent"
    finally:
        await server.close()
        await engine.dispose()
