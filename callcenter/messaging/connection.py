"""Redis clients for the dispatch stream, built in the composition root from settings."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


def connect(url: str, *, timeout: float, block_seconds: float = 0.0, retries: int = 0) -> Redis:
    """A client whose every call gives up after ``timeout`` (plus a blocking read's own wait).

    No automatic retries by default: the relay and the consoles retry themselves, with their
    own pacing. ``retries``: calls that failed on a dead connection are tried again on a new
    one (after Redis restarted, every pooled connection fails once); only for callers whose
    commands are safe to repeat (the command channel: ids make a repeat harmless).
    """
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout + block_seconds,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), retries),
    )
