"""Live logs for tests: memory, or a Redis Stream with a unique key on the real server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis

from callcenter.live.memory import MemoryLog
from callcenter.live.messages import FeedLog
from callcenter.messaging.fanout import RedisStreamLog

REDIS_URL = "redis://127.0.0.1:6379/0"


@asynccontextmanager
async def redis_log(key: str | None = None, **kwargs: Any) -> AsyncIterator[RedisStreamLog]:
    key = key or f"test:live:{uuid.uuid4().hex}"
    log = RedisStreamLog(Redis.from_url(REDIS_URL), key=key, **kwargs)
    try:
        yield log
    finally:
        await log.redis.delete(log.key, log.counter)
        await log.close()


@asynccontextmanager
async def make_log(kind: str, **kwargs: Any) -> AsyncIterator[FeedLog]:
    if kind == "memory":
        yield MemoryLog(**kwargs)
    else:
        async with redis_log(**kwargs) as log:
            yield log
