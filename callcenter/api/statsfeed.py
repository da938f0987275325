"""Publishes the 15-minute queue statistics on the live log every few seconds (topic ``stats``).

Run it in one process of the room (the composition root decides which), not in every API
process, or supervisors get each figure once per process.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from callcenter.api.ports import Services
from callcenter.stats.queue import compute
from callcenter.stats.source import read_facts

log = logging.getLogger(__name__)


async def publish_stats(svc: Services) -> int:
    now = datetime.now(UTC)
    async with asyncio.timeout(10):
        facts = await read_facts(svc.store.engine, now)
    stats = compute(
        now=now,
        window="15m",
        answered=facts.answered,
        abandoned=facts.abandoned,
        waiting_since=facts.waiting_since,
        seats=svc.seats.seats(),
    )
    payload = asdict(stats)
    payload["since"] = stats.since.isoformat()
    return await svc.hub.publish("stats", "queue", payload=payload)


async def run_stats_feed(svc: Services, interval: float) -> None:
    while True:
        try:
            await publish_stats(svc)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("stats feed: %s", exc)
        await asyncio.sleep(interval)
