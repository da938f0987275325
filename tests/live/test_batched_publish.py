"""Publishing in batches: what waits for the live log goes out in one write, in order, with
consecutive sequence numbers, on the memory log and on the real Redis; an outage keeps the
whole batch, in order, for later; a message is encoded once for every websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from callcenter.domain.effects import NotifyClients
from callcenter.live.hub import LiveHub
from callcenter.live.memory import MemoryLog
from callcenter.live.messages import LiveMessage
from callcenter.pipeline.notifications import NotificationQueue
from tests.api.logs import make_log


def note(n: int, **extra: Any) -> NotifyClients:
    return NotifyClients(topic="call", call_id=f"c{n}", kind="updated", **extra)


async def collect(hub: LiveHub, after: int, count: int) -> list[LiveMessage]:
    got: list[LiveMessage] = []
    async with asyncio.timeout(10):
        async for item in hub.stream(after, lambda m: True):
            assert isinstance(item, LiveMessage)
            got.append(item)
            if len(got) == count:
                break
    return got


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_batch_gets_consecutive_numbers_in_order(kind: str) -> None:
    async with make_log(kind) as log:
        hub = LiveHub(log)
        await hub.start()
        try:
            await hub.announce("seat", "pause", seat="Seat 01")
            await hub.notify_many([note(1), note(2), note(3)])
            await hub.announce("seat", "unpause", seat="Seat 01")
            got = await collect(hub, 0, 5)
        finally:
            await hub.stop()
        seqs = [m.seq for m in got]
        if kind == "memory":
            assert seqs == [1, 2, 3, 4, 5]
        else:  # Redis numbers never go back (messaging/fanout.py): increasing, linked
            assert seqs == sorted(set(seqs))
            assert seqs[1:4] == [seqs[1], seqs[1] + 1, seqs[1] + 2]  # the batch: consecutive
            assert [m.prev for m in got[1:]] == seqs[:-1]  # each links to its predecessor
        assert [(m.kind, m.call_id) for m in got] == [
            ("pause", None),
            ("updated", "c1"),
            ("updated", "c2"),
            ("updated", "c3"),
            ("unpause", None),
        ]
        assert await log.last_seq() == seqs[-1]
        assert hub.stats.published == 5 and hub.stats.by_topic == {"seat": 2, "call": 3}
        backlog = await log.read_after(seqs[0], 10)  # what a resuming client reads: the same
        assert [m.call_id for m in backlog.entries[:3]] == ["c1", "c2", "c3"]


class FlakyLog(MemoryLog):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def append(self, body: dict[str, Any]) -> int:
        if self.down:
            raise ConnectionError("Redis is down")
        return await super().append(body)


async def test_a_batch_written_during_an_outage_waits_whole_and_in_order() -> None:
    log = FlakyLog()
    hub = LiveHub(log)
    hub.retry_seconds = 0.02
    await hub.start()
    try:
        log.down = True
        await hub.notify_many([note(1), note(2)])
        await hub.notify(note(3))  # must not overtake the waiting batch
        assert hub.stats.pending == 3 and await log.last_seq() == 0
        log.down = False
        got = await collect(hub, 0, 3)
    finally:
        await hub.stop()
    assert [(m.seq, m.call_id) for m in got] == [(1, "c1"), (2, "c2"), (3, "c3")]
    assert hub.stats.pending == 0 and hub.stats.dropped == 0


class Batches:
    """A notifier that takes batches (as the hub does) and records them."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def notify(self, message: NotifyClients) -> None:
        self.batches.append([str(message.call_id)])

    async def notify_many(self, messages: Any) -> None:
        self.batches.append([str(m.call_id) for m in messages])


async def test_the_queue_hands_what_waits_over_as_one_batch() -> None:
    target = Batches()
    queue = NotificationQueue(target, batch_size=3)
    for n in range(5):
        await queue.notify(note(n))  # queued before the worker runs
    queue.start()
    await queue.drain()
    await queue.close()
    assert target.batches == [["c0", "c1", "c2"], ["c3", "c4"]]
    assert queue.stats.published == 5 and queue.stats.failed == 0


def test_the_wire_text_is_the_wire_message_encoded_once() -> None:
    message = LiveMessage(
        seq=7,
        topic="call",
        kind="qualified",
        at="2026-12-02T00:00:00+00:00",
        call_id="c1",
        payload={"address": "شارع الزرقطوني", "n": 2},
    )
    text = message.wire_text
    assert json.loads(text) == message.to_wire()
    assert "شارع" in text  # sent as UTF-8, as Starlette's send_json does
    assert message.wire_text is text  # cached: every client sends the same string


async def test_a_batch_larger_than_a_page_reaches_every_subscriber_whole() -> None:
    """The pump hands each subscriber a whole read of the log before the subscribers run: a
    burst of 600 messages must not mark a reading subscriber as fallen behind."""
    hub = LiveHub(MemoryLog())
    await hub.start()

    async def subscriber(ready: asyncio.Event) -> int:
        got = 0
        stream = hub.stream(0, lambda m: True)
        reading = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        ready.set()
        await reading
        got += 1
        async for _ in stream:
            got += 1
            if got == 600:
                break
        return got

    readies = [asyncio.Event() for _ in range(10)]
    readers = [asyncio.create_task(subscriber(r)) for r in readies]
    try:
        for r in readies:
            await r.wait()
        await asyncio.sleep(0.01)  # every stream subscribed
        await hub.notify_many([note(n) for n in range(600)])
        async with asyncio.timeout(10):
            counts = await asyncio.gather(*readers)
    finally:
        await hub.stop()
    assert counts == [600] * 10
    assert hub.stats.overflows == 0
