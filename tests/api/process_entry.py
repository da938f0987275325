"""One API process for the two-process test: ``python -m tests.api.process_entry DB STREAM``.

It serves the room (fakes at the PBX ports) on a free port, with the live log on the real
Redis Stream ``STREAM`` and the SQLite database ``DB``, prints ``PORT <n>`` and runs until
terminated.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import uvicorn
from redis.asyncio import Redis

from callcenter.messaging.fanout import RedisStreamLog
from callcenter.storage.database import create_engine
from callcenter.storage.store import TimelineStore
from tests.api.logs import REDIS_URL
from tests.api.room import build_room


async def main(db_url: str, stream: str) -> None:
    engine = create_engine(db_url)
    log = RedisStreamLog(Redis.from_url(REDIS_URL), key=stream)  # the test deletes the keys
    try:
        room = await build_room(TimelineStore(engine), log)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(room.app, log_level="warning", timeout_graceful_shutdown=2)
        server = uvicorn.Server(config)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: setattr(server, "should_exit", True))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.01)
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        await task
    finally:
        await log.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
