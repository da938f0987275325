"""The room (bridge, pipeline, dispatch, API) in its own process, for the live, burst and memory
benchmarks: ``python -m bench.room_proc --ami-port P --api-port A --data-dir DIR``.

SQLite in DIR and the in-process live log by default; ``--database-url`` (PostgreSQL) and
``--redis-url`` (the live log and the dispatch stream on Redis, under keys of their own) give
the production layout. Demo users (``supervisor`` / ``demo-password``). FastAGI only with
``--agi-port``. ``--profile FILE``: the whole run under pyinstrument, its text report written
to FILE at exit. Stops on SIGTERM (uvicorn's handler) after draining what it received.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from callcenter.assembly.api import live_log
from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.demo import seed_demo_users
from callcenter.settings import (
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DatabaseSettings,
    RedisSettings,
    Settings,
)
from callcenter.storage.store import open_store
from callcenter.storage.users import UserStore


def settings_of(args: argparse.Namespace) -> Settings:
    prefix = f"bench:{args.api_port}"  # a run's own keys on a shared Redis
    return Settings(
        data_dir=Path(args.data_dir),
        demo=True,
        ami=AmiSettings(port=args.ami_port),
        api=ApiSettings(port=args.api_port, stats_interval=None),
        agi=AgiSettings(port=args.agi_port or 4573),
        database=DatabaseSettings(url=args.database_url),
        redis=RedisSettings(
            url=args.redis_url,
            dispatch_stream=f"{prefix}:dispatch",
            live_stream=f"{prefix}:live",
            bridge_prefix=prefix,
            login_prefix=f"{prefix}:login",
        ),
    )


async def main(args: argparse.Namespace) -> None:
    settings = settings_of(args)
    async with open_store(settings, migrate=True) as store:
        await seed_demo_users(UserStore(store.engine), Passwords())
        room = Room(
            settings, store, feed_log=live_log(settings), with_agi=args.agi_port is not None
        )
        stop = asyncio.Event()
        # SIGTERM stops the room (uvicorn's own handler, while it serves, does the same).
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await room.run(stop)


def run(args: argparse.Namespace) -> None:
    if args.profile is None:
        asyncio.run(main(args))
        return
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled", interval=0.001)
    profiler.start()
    try:
        asyncio.run(main(args))
    finally:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ami-port", type=int, required=True)
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--agi-port", type=int, default=None)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--profile", default=None)
    logging.basicConfig(level=logging.WARNING)
    run(parser.parse_args())
