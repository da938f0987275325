"""Failed-login throttling: N failures in a moving window, per user name and per client address.

Built on ``limits`` (moving-window strategy). With Redis the counters live there, so every API
process sees the same failures; without it they are in this process's memory. Promises:

- ``refusal`` answers the same way whether the user exists or not (user names are hashed into
  the key, never stored as such);
- a Redis that is down or slow (``timeout``) never blocks a login: the call falls back to the
  in-memory counters, logs a warning and counts ``storage_errors``;
- ``close`` releases the Redis connections.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats
from redis.asyncio import ConnectionPool

from callcenter.settings import ApiSettings, RedisSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
NAMESPACE = "callcenter-login"


@dataclass(frozen=True)
class Refusal:
    scope: str  # "user" or "address": which limit was reached
    retry_after: int  # seconds until one more attempt is allowed


class LoginThrottle:
    def __init__(
        self,
        *,
        per_user: int,
        per_address: int,
        window_seconds: int,
        redis_url: str | None = None,
        key_prefix: str = "callcenter:login",
        timeout: float = 1.0,
    ) -> None:
        self._items = {
            scope: RateLimitItemPerSecond(limit, window_seconds, namespace=NAMESPACE)
            for scope, limit in (("user", per_user), ("address", per_address))
            if limit > 0
        }
        self._memory: MovingWindowRateLimiter | None = None  # built in the loop, on first use
        self._pool: ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            self._pool = ConnectionPool.from_url(
                redis_url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            storage: Storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                # passed on to redis.asyncio.Redis (limits types its options as scalars)
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._timeout = timeout
        self.storage_errors = 0

    @classmethod
    def from_settings(cls, api: ApiSettings, redis: RedisSettings) -> LoginThrottle:
        """As configured: the ``api`` limits, shared through Redis when ``redis`` has a URL."""
        return cls(
            per_user=api.login_failures_per_user,
            per_address=api.login_failures_per_address,
            window_seconds=api.login_window_seconds,
            redis_url=redis.url,
            key_prefix=redis.login_prefix,
        )

    async def refusal(self, username: str, address: str) -> Refusal | None:
        """Why a login attempt must be refused now, or None if it may go ahead."""
        for scope, key in self._keys(username, address):
            if not await self._test(scope, key):
                stats = await self._stats(scope, key)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                return Refusal(scope=scope, retry_after=wait)
        return None

    async def failed(self, username: str, address: str) -> None:
        for scope, key in self._keys(username, address):
            await self._hit(scope, key)

    async def succeeded(self, username: str) -> None:
        """The user's own failures are forgotten (the address's are not: one good account must
        not reset the count of someone trying many)."""
        for scope, key in self._keys(username, None):
            await self._clear(scope, key)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("user", hashlib.blake2b(username.encode(), digest_size=16).hexdigest())]
        if address is not None:
            keys.append(("address", address))
        return [(scope, key) for scope, key in keys if scope in self._items]

    async def _test(self, scope: str, key: str) -> bool:
        item = self._items[scope]
        return await self._call(lambda lim: lim.test(item, scope, key))

    async def _stats(self, scope: str, key: str) -> WindowStats:
        item = self._items[scope]
        return await self._call(lambda lim: lim.get_window_stats(item, scope, key))

    async def _hit(self, scope: str, key: str) -> None:
        item = self._items[scope]
        await self._call(lambda lim: lim.hit(item, scope, key))

    async def _clear(self, scope: str, key: str) -> None:
        item = self._items[scope]
        await self._call(lambda lim: lim.clear(item, scope, key))

    async def _call(self, op: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        if self._shared is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    return await op(self._shared)
            except (StorageError, TimeoutError) as exc:
                self.storage_errors += 1
                log.warning("login throttle: Redis unavailable, counting in memory: %s", exc)
        if self._memory is None:
            self._memory = MovingWindowRateLimiter(MemoryStorage())
        return await op(self._memory)
