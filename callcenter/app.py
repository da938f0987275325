"""Composition root: builds engines, stores and servers from Settings, runs them, shuts down.

The live room itself is assembled in ``callcenter.assembly.room``; the demo in ``callcenter.demo``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from callcenter.ami.bridge import Bridge
from callcenter.ami.ingest import IngestReport, ingest_files
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.assembly.room import Room, live_log
from callcenter.audit.export import export_calls, to_jsonl
from callcenter.auth.passwords import Passwords
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.remote.roles import ServeRole, check_role
from callcenter.settings import Settings
from callcenter.storage.store import open_store
from callcenter.storage.users import UserStore

log = logging.getLogger(__name__)


async def db_upgrade(settings: Settings) -> None:
    async with open_store(settings, migrate=True):
        pass


async def export_jsonl(
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    write: Callable[[str], object],
) -> int:
    count = 0
    async with open_store(settings) as store:
        async for obj in export_calls(store, since=since, until=until):
            write(to_jsonl(obj) + "\n")
            count += 1
    return count


async def ingest(settings: Settings, paths: list[Path]) -> tuple[IngestReport, dict[str, int]]:
    """Replay recorded AMI byte streams into the configured database (offline, idempotent)."""
    async with open_store(settings, migrate=True) as store:
        processor = CallProcessor(store, NullNotifier())
        runner = OrderedRunner(processor, measure_lag=False)
        bridge = Bridge(
            runner.put_nowait, LiveSeatBoard(), region=settings.agi.default_region, offline=True
        )
        runner.start()
        try:
            report = await ingest_files(paths, bridge, runner)
        finally:
            await runner.close()
        t = bridge.translator.stats
        counts = {
            "frames": report.frames,
            "rejected": report.rejected + t.unparsable + report.errors,
            "ignored": t.ignored,
            "translated": t.translated,
            "domain_events": processor.stats.handled,
            "duplicates": processor.stats.duplicates,
            "steps_stored": processor.stats.steps_stored,
            "anomalies": processor.stats.anomalies,
            "failed": runner.stats.failed,
        }
        return report, counts


async def serve(settings: Settings, role: ServeRole = ServeRole.ALL) -> None:
    """``callcenter serve [--role all|bridge|api]`` until SIGTERM/SIGINT (see
    ``callcenter.remote.roles``). Raises ``RoleConfigError`` when the settings cannot run it."""
    check_role(settings, role)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if role is ServeRole.API:
            from callcenter.assembly.api_process import ApiProcess

            # The bridge (or `callcenter db upgrade`) migrates; API processes only use.
            async with open_store(settings) as store:
                await ApiProcess(settings, store).run(stop)
            return
        async with open_store(settings, migrate=True) as store:
            room = Room(settings, store, feed_log=live_log(settings))
            bridge_only = role is ServeRole.BRIDGE
            await room.run(stop, with_api=not bridge_only, ops_http=bridge_only)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def users_add(
    settings: Settings, username: str, password: str, role: str, seat: str | None
) -> None:
    async with open_store(settings) as store:
        await UserStore(store.engine).add(username, Passwords().hash(password), role, seat)


async def users_list(settings: Settings) -> list[tuple[str, str, str | None, bool]]:
    async with open_store(settings) as store:
        users = await UserStore(store.engine).all()
    return [(u.username, u.role, u.seat, u.disabled) for u in users]


async def users_disable(settings: Settings, username: str) -> bool:
    async with open_store(settings) as store:
        return await UserStore(store.engine).set_disabled(username)
