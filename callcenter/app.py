"""Composition root: builds engines, stores and servers from Settings, runs them, shuts down.

The live room itself is assembled in ``callcenter.room``; the demo in ``callcenter.demo``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from callcenter.ami.bridge import Bridge
from callcenter.ami.ingest import IngestReport, ingest_files
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.api.live import USER_TOPIC
from callcenter.audit.export import export_calls, to_jsonl
from callcenter.auth.passwords import Passwords
from callcenter.live.hub import message_body
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.pipeline.ports import NullNotifier
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.remote.roles import ServeRole, check_role
from callcenter.room import Room, live_log
from callcenter.settings import Settings
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_store(settings: Settings, *, migrate: bool = False) -> AsyncIterator[TimelineStore]:
    engine = create_engine(settings.database_url(), echo=settings.database.echo)
    try:
        if migrate:
            await upgrade(engine)
        yield TimelineStore(engine)
    finally:
        await engine.dispose()


async def db_upgrade(settings: Settings) -> None:
    async with open_store(settings, migrate=True):
        pass


async def export_jsonl(
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    write: Callable[[str], object],
    reader: str,
) -> int:
    """Write the export; the read is in the access log first, as ``reader`` (role ``cli``)."""
    count = 0
    async with open_store(settings) as store:
        await UserStore(store.engine).log_access(
            username=reader,
            role="cli",
            action="export",
            call_id=None,
            detail=f"format=jsonl since={since} until={until}",
        )
        async for obj in export_calls(store, since=since, until=until):
            write(to_jsonl(obj) + "\n")
            count += 1
    return count


DEMO_PASSWORD = "demo-password"


async def seed_demo_users(users: UserStore, passwords: Passwords) -> list[str]:
    """Demo only: when nobody is registered, one account per role and one operator per seat
    ("op01" on "Seat 01" ... "op20"), all with DEMO_PASSWORD. Returns the names added."""
    if await users.all():
        return []
    password_hash = passwords.hash(DEMO_PASSWORD)
    added = []
    for role in ("admin", "supervisor", "auditor", "dispatcher"):
        await users.add(role, password_hash, role, None)
        added.append(role)
    for n in range(1, 21):
        await users.add(f"op{n:02d}", password_hash, "operator", f"Seat {n:02d}")
        added.append(f"op{n:02d}")
    return added


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
            from callcenter.remote.api_process import ApiProcess

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
        users = UserStore(store.engine)
        if not await users.set_disabled(username):
            return False
        user = await users.get(username)
    if settings.redis.url and user is not None:
        # Tell every API process now: each closes the user's live feeds at once (they would
        # otherwise see it at their next database re-check, callcenter.api.live).
        feed = RedisStreamLog.from_url(settings.redis.url, key=settings.redis.live_stream)
        try:
            body = message_body(USER_TOPIC, "disabled", None, None, {"username": user.username})
            await feed.append(body)
        except Exception as exc:
            log.warning("disable of %s not announced to the API processes: %s", username, exc)
        finally:
            await feed.close()
    return True
