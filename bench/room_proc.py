"""The room (bridge, pipeline, dispatch, API) in its own process, for the live and memory
benchmarks: ``python -m bench.room_proc --ami-port P --api-port A --data-dir DIR``.

SQLite in DIR, the in-process live log, demo users (``supervisor`` / ``demo-password``), no
FastAGI. Stops on SIGTERM (uvicorn's handler) after draining what it received.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from callcenter.assembly.api import live_log
from callcenter.assembly.room import Room
from callcenter.auth.passwords import Passwords
from callcenter.demo import seed_demo_users
from callcenter.settings import AmiSettings, ApiSettings, Settings
from callcenter.storage.store import open_store
from callcenter.storage.users import UserStore


async def main(args: argparse.Namespace) -> None:
    settings = Settings(
        data_dir=Path(args.data_dir),
        demo=True,
        ami=AmiSettings(port=args.ami_port),
        api=ApiSettings(port=args.api_port, stats_interval=None),
    )
    async with open_store(settings, migrate=True) as store:
        await seed_demo_users(UserStore(store.engine), Passwords())
        room = Room(settings, store, feed_log=live_log(settings), with_agi=False)
        await room.run(asyncio.Event())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ami-port", type=int, required=True)
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
