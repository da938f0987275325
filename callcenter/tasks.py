"""Stopping background tasks for certain.

Every loop that reads from Redis (the live hub's pump, the bridge's command server and its
heartbeat, the seat board's publisher and reader, the API's feeds) is stopped through here:
a single ``task.cancel()`` can be lost inside redis-py's blocking read, and whoever awaits the
task then waits for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any], *, again_after: float = 0.5) -> None:
    """Cancel ``task`` and wait until it has ended.

    A cancellation can be lost inside a client library: one that lands while the redis client
    is between a reply and its caller was seen to vanish, and the live feed's pump then went on
    reading for ever while ``stop`` waited for it. So the task is cancelled again every
    ``again_after`` seconds until it is done. Its own exception, if any, is raised.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=again_after)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


async def stop_within(tasks: Collection[asyncio.Task[Any]], seconds: float) -> None:
    """Give tasks already asked to stop (their stop event is set) ``seconds`` to end on their
    own, then ``cancel_and_wait`` those left. All have ended when this returns; the first
    one's own exception, if any, is raised then."""
    if tasks:
        await asyncio.wait(tasks, timeout=seconds)
    errors: list[Exception] = []
    for task in tasks:
        try:
            await cancel_and_wait(task)
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
