"""Scale-out: the bridge restarts while the PBX is unreachable, then the PBX comes back.

One API process (``python -m callcenter serve --role api``, a process of its own) and a bridge
(``Room(with_api=False)``, as ``serve --role bridge`` runs it) on PostgreSQL + Redis, the PBX
simulator standing for Asterisk. While the new bridge has not heard from the PBX, the API
answers 503 saying so (never the previous bridge's board, an empty one, or 409); once the PBX
accepts connections the bridge is logged in, and the API has the board, within a second or so.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from callcenter.assembly.api import live_log
from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.demo import seed_demo_users
from callcenter.settings import Settings
from callcenter.sim.runner import SimulatorConfig, SimulatorService, load_queues
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore
from tests.databases import postgres_database
from tests.integration.test_room_with_simulator import SEATS, eventually, token
from tests.integration.test_scale_out import api_process, auth, drop_keys, shared_settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

NOT_YET = {"detail": "the bridge has not heard from the PBX yet"}


def simulator(settings: Settings) -> SimulatorService:
    return SimulatorService(
        SimulatorConfig(
            queues=load_queues(None),
            credentials={"callcenter": "callcenter"},
            ami_port=settings.ami.port,
            control_port=None,
            agi_url=f"agi://127.0.0.1:{settings.agi.port}/qualify",
            agi_budget=2.0,
        )
    )


@asynccontextmanager
async def bridge(settings: Settings, store: TimelineStore) -> AsyncIterator[Room]:
    room = Room(settings, store, feed_log=live_log(settings), with_api=False, ops_http=True)
    stop = asyncio.Event()
    task = asyncio.create_task(room.run(stop))
    try:
        yield room
    finally:
        stop.set()
        async with asyncio.timeout(60):
            await task


async def test_a_bridge_restarted_without_its_pbx(tmp_path: Path) -> None:
    prefix = f"test:restart:{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:
        stack.push_async_callback(drop_keys, prefix)
        db_url = await stack.enter_async_context(postgres_database())
        settings = shared_settings(db_url, prefix)
        engine = create_engine(settings.database_url())
        stack.push_async_callback(engine.dispose)
        await upgrade(engine)
        store = TimelineStore(engine)
        await seed_demo_users(UserStore(engine), Passwords())
        api = await stack.enter_async_context(api_process(settings, tmp_path / "api.log"))
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=api, timeout=20))
        sup = auth(await token(http, "supervisor"))
        me = auth(await token(http, "op03"))

        async def board() -> bool:
            return len((await http.get("/seats", headers=sup)).json()) == len(SEATS)

        # A first bridge and its PBX: the API process has the board.
        async with simulator(settings), bridge(settings, store) as first:
            await eventually(board, 20)
            assert first.seats.synced()
        # The PBX is gone; the bridge restarts without it.
        async with bridge(settings, store) as second:

            async def not_yet() -> bool:
                r = await http.get("/seats", headers=sup)
                return (r.status_code, r.json()) == (503, NOT_YET)

            await eventually(not_yet, 10)  # the previous bridge's board is dropped
            await asyncio.sleep(2.0)  # and it stays so while the PBX cannot be reached
            assert await not_yet()
            pause = await http.post("/seats/me/pause", headers=me, json={"reason": "break"})
            assert (pause.status_code, pause.json()) == (503, NOT_YET)
            assert not second.client.logged_in.is_set()

            async with simulator(settings):  # the PBX is back
                up = time.monotonic()
                async with asyncio.timeout(10):
                    await second.client.logged_in.wait()
                assert time.monotonic() - up < 1.0
                await eventually(board, 10)
                pause = await http.post("/seats/me/pause", headers=me, json={"reason": "break"})
                assert pause.status_code == 200, pause.text
