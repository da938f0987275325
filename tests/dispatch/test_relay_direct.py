"""The relay's direct path: a ticket committed here goes out from the commit's hand-over, once;
the outbox table (read every ``poll``) is the fallback for what a crash or another process left.

Over the real Redis server, on SQLite and PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from callcenter.messaging.relay import OutboxRelay
from callcenter.messaging.stream import DispatchStream
from callcenter.storage.outbox import Outbox, OutboxRow
from tests.dispatch.conftest import FIELDS, Room, make_room

pytestmark = pytest.mark.redis


class CountingOutbox(Outbox):
    """The real outbox, counting how often the relay reads the table."""

    reads = 0

    async def unsent(self, limit: int = 100) -> list[OutboxRow]:
        self.reads += 1
        return await super().unsent(limit)


async def until(predicate: Callable[[], Awaitable[bool] | bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            found = predicate()
            if await found if inspect.isawaitable(found) else found:
                return
            await asyncio.sleep(0.01)


async def test_a_ticket_published_from_the_commit_is_not_published_again_by_the_poll(
    room: Room, redis: Redis, stream_name: str
) -> None:
    stream = DispatchStream(redis, stream_name)
    outbox = CountingOutbox(room.outbox.engine)
    relay = OutboxRelay(outbox, stream, room.sink)
    room.store.on_dispatch(relay.wake)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, poll=60.0))
    try:
        await until(lambda: outbox.reads >= 1)  # the first pass reads the table
        calls = [await room.answered_call() for _ in range(3)]
        tickets = []
        for i, call_id in enumerate(calls):
            handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id=f"r{i}")
            tickets.append(handoff.ticket_id)

        async def all_sent() -> bool:
            return relay.stats.published == 3 and await room.outbox.backlog() == 0

        await until(all_sent)
        # published from the commit's hand-over: the table was not read again for them
        assert outbox.reads == 1
        entries = await redis.xrange(stream_name)
        assert [f["ticket"] for _, f in entries] == tickets
        assert stream.duplicates_refused == 0
    finally:
        stop.set()
        await task

    # A later pass over the table (a poll) finds nothing to send: nothing goes out twice.
    assert await relay.drain() == 0
    assert await redis.xlen(stream_name) == 3
    for call_id in calls:
        assert (await room.kinds(call_id)).count("dispatch_sent") == 1


async def test_a_ticket_committed_by_a_process_that_died_before_publishing_goes_out_by_the_poll(
    room: Room, redis: Redis, stream_name: str
) -> None:
    # The qualifying process committed (ticket + outbox row) and died before its relay ran:
    # no relay heard the commit.
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    assert await room.outbox.backlog() == 1

    # The process restarted: a new store and pipeline over the same database, a new relay.
    restarted = await make_room(room.outbox.engine)
    stream = DispatchStream(redis, stream_name)
    relay = restarted.relay(stream)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, poll=0.05))
    try:

        async def sent() -> bool:
            return await restarted.outbox.backlog() == 0

        await until(sent)
        await asyncio.sleep(0.2)  # a few more polls: still once
    finally:
        stop.set()
        await task
    entries = await redis.xrange(stream_name)
    assert [f["ticket"] for _, f in entries] == [handoff.ticket_id]
    assert (await restarted.kinds(call_id)).count("dispatch_sent") == 1


async def test_rows_of_another_process_go_out_within_a_poll_while_commits_keep_waking_it(
    room: Room, redis: Redis, stream_name: str
) -> None:
    stream = DispatchStream(redis, stream_name)
    relay = room.relay(stream)
    # another process's pipeline: its commits do not wake this relay
    other = await make_room(room.outbox.engine)
    theirs = await other.answered_call()
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, poll=0.2))
    try:
        await asyncio.sleep(0.05)  # the first pass is done: the next table read is due in 0.2 s
        their_ticket = (
            await other.service.qualify(theirs, FIELDS, by="op04", request_id="x")
        ).ticket_id
        # our own hand-offs keep waking the relay meanwhile
        for i in range(5):
            mine = await room.answered_call()
            await room.service.qualify(mine, FIELDS, by="op03", request_id=f"m{i}")
            await asyncio.sleep(0.05)

        async def theirs_sent() -> bool:
            return await room.outbox.backlog() == 0

        await until(theirs_sent, seconds=2.0)
    finally:
        stop.set()
        await task
    published = [f["ticket"] for _, f in await redis.xrange(stream_name)]
    assert their_ticket in published
    assert len(published) == len(set(published)) == 6
