"""Composition root: one function per command, from Settings to a running process and back.

Each long-running role is an assembly (``callcenter.assembly``: the room for ``serve --role
all|bridge``, the API-only process, FastAGI alone; the demo in ``callcenter.demo``) run the same
way by ``run_until_signalled``: ``async with assembly: await assembly.serve(stop)``, ``stop``
set by SIGTERM/SIGINT. Only the command line imports this module; the short commands (``db
upgrade``, ``export``, ``ingest``, ``users``) are plain functions over ``open_store``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from callcenter.ami.bridge import Bridge
from callcenter.ami.ingest import IngestReport, ingest_files
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.api.live import USER_TOPIC
from callcenter.assembly.agi import AgiProcess
from callcenter.assembly.api import live_log
from callcenter.assembly.api_process import ApiProcess
from callcenter.assembly.lifecycle import Assembly
from callcenter.assembly.room import Room
from callcenter.audit.export import export_calls, to_jsonl
from callcenter.auth.passwords import Passwords
from callcenter.demo import Demo, check_manual_seats, seat_names, simulator_config
from callcenter.live.hub import message_body
from callcenter.messaging.fanout import RedisStreamLog
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


def freeze_startup_heap() -> None:
    """Move everything built at start (modules, SQLAlchemy's and phonenumbers' tables, the
    warmed caches: ~150k objects) out of the garbage collector's reach. A full collection
    walks them all, about 0.2 s on this machine with the loop stopped, and under a burst's
    allocations one came every few seconds: a caller's FastAGI answer or a websocket push
    waited for it. Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()


async def run_until_signalled(assembly: Assembly) -> None:
    """Run ``assembly`` until SIGTERM/SIGINT (our own handlers: a background job inherits an
    ignored SIGINT, so we never rely on KeyboardInterrupt to stop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with assembly:
            freeze_startup_heap()
            await assembly.serve(stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def serve(settings: Settings, role: ServeRole = ServeRole.ALL) -> None:
    """``callcenter serve [--role all|bridge|api]`` until SIGTERM/SIGINT (see
    ``callcenter.remote.roles``). Raises ``RoleConfigError`` when the settings cannot run it."""
    check_role(settings, role)
    # The bridge (or `callcenter db upgrade`) migrates; API processes only use.
    async with open_store(settings, migrate=role is not ServeRole.API) as store:
        assembly: Assembly
        if role is ServeRole.API:
            assembly = ApiProcess(settings, store)
        else:
            bridge_only = role is ServeRole.BRIDGE
            assembly = Room(
                settings,
                store,
                feed_log=live_log(settings),
                with_api=not bridge_only,
                ops_http=bridge_only,
            )
        await run_until_signalled(assembly)


async def agi(settings: Settings) -> None:
    """``callcenter agi``: the FastAGI server alone until SIGTERM/SIGINT."""
    async with open_store(settings, migrate=True) as store:
        await run_until_signalled(AgiProcess(settings, store))


async def demo(
    settings: Settings, *, scenario: str = "line19-demo", manual_seats: frozenset[str] = frozenset()
) -> None:
    """``callcenter demo``: the room around the PBX simulator until Ctrl-C. Raises
    ``DemoError`` for an unknown seat before anything starts."""
    config = simulator_config(settings, scenario)
    manual = check_manual_seats(manual_seats, seat_names(config))
    async with open_store(settings, migrate=True) as store:
        await run_until_signalled(Demo(settings, store, config=config, manual_seats=manual))


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
