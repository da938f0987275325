"""Stopping background tasks for certain."""

from __future__ import annotations

import asyncio
import contextlib
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
