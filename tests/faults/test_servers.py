"""The fault servers themselves: they stop for real, and come back on the same port with
PostgreSQL's data kept (Redis keeps none)."""

from __future__ import annotations

import asyncpg
import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.faults.servers import OwnPostgres, OwnRedis


async def test_own_postgres_stops_and_comes_back_with_its_data(own_postgres: OwnPostgres) -> None:
    conn = await asyncpg.connect(own_postgres.dsn)
    await conn.execute("CREATE TABLE kept (n int)")
    await conn.execute("INSERT INTO kept VALUES (7)")
    await conn.close()

    own_postgres.stop()
    with pytest.raises(OSError):
        await asyncpg.connect(own_postgres.dsn, timeout=2)

    own_postgres.start()
    conn = await asyncpg.connect(own_postgres.dsn)
    assert await conn.fetchval("SELECT n FROM kept") == 7
    await conn.close()


async def test_own_redis_can_be_killed_and_restarted(own_redis: OwnRedis) -> None:
    client = aioredis.Redis.from_url(own_redis.url)
    await client.set("k", "v")
    own_redis.stop(kill=True)
    with pytest.raises(RedisConnectionError):
        await client.ping()
    own_redis.start()
    assert await client.ping()
    assert await client.get("k") is None  # no persistence: a crash forgets
    await client.aclose()
