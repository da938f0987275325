"""The pipeline's live notification queue: it never fails or waits, drops are counted and told."""

from __future__ import annotations

import asyncio
import logging

import pytest

from callcenter.domain.effects import NotifyClients
from callcenter.pipeline.notifications import NotificationQueue


def note(n: int) -> NotifyClients:
    return NotifyClients(topic="call", call_id=f"c{n}", kind="updated")


class Recording:
    def __init__(self) -> None:
        self.got: list[str] = []

    async def notify(self, message: NotifyClients) -> None:
        self.got.append(message.call_id)


class Stuck:
    """A live log that never answers (Redis hung)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def notify(self, message: NotifyClients) -> None:
        await self.release.wait()


class Failing:
    def __init__(self, fail: set[str]) -> None:
        self.fail = fail
        self.got: list[str] = []

    async def notify(self, message: NotifyClients) -> None:
        if message.call_id in self.fail:
            raise ConnectionError("redis down")
        self.got.append(message.call_id)


async def test_messages_reach_the_notifier_in_order() -> None:
    inner = Recording()
    queue = NotificationQueue(inner)
    queue.start()
    for n in range(50):
        await queue.notify(note(n))
    await queue.drain()
    assert inner.got == [f"c{n}" for n in range(50)]
    assert (queue.stats.queued, queue.stats.published, queue.stats.dropped) == (50, 50, 0)
    await queue.close()


async def test_a_stuck_publisher_neither_slows_nor_fails_notify_and_drops_are_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = Stuck()
    queue = NotificationQueue(inner, maxsize=3, log_every=100)
    queue.start()
    caplog.set_level(logging.WARNING, "callcenter.pipeline.notifications")
    async with asyncio.timeout(1):  # notify returns at once, whatever the publisher does
        for n in range(10):
            await queue.notify(note(n))
    await asyncio.sleep(0)
    # one in the worker's hands, three queued, the other six dropped
    assert queue.stats.dropped >= 6
    assert queue.stats.queued + queue.stats.dropped == 10
    drops = [r for r in caplog.records if "queue full" in r.getMessage()]
    assert len(drops) == 1  # one line for the run of drops, not one per message
    assert "c" in drops[0].getMessage() and "dropped so far" in drops[0].getMessage()
    inner.release.set()
    await queue.close()
    assert queue.stats.published == queue.stats.queued


async def test_a_failed_publish_is_counted_logged_and_the_next_one_goes_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = Failing({"c1", "c2"})
    queue = NotificationQueue(inner)
    queue.start()
    for n in range(4):
        await queue.notify(note(n))
    await queue.drain()
    assert inner.got == ["c0", "c3"]
    assert (queue.stats.failed, queue.stats.published) == (2, 2)
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and "c1" in failures[0].getMessage()
    await queue.close()


async def test_close_gives_up_after_its_grace_and_counts_what_was_left() -> None:
    inner = Stuck()
    queue = NotificationQueue(inner)
    queue.start()
    for n in range(5):
        await queue.notify(note(n))
    await queue.close(grace=0.05)
    assert queue.stats.dropped == 4  # the one being published is cancelled with the worker
    assert queue.backlog() == 4
