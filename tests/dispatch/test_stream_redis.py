"""The hand-off over the real Redis server: once on the stream, once on a console's view."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.messaging.consumer import StreamDispatchDesk
from callcenter.messaging.stream import DispatchStream
from callcenter.storage.database import create_engine, upgrade
from tests.databases import sqlite_url
from tests.dispatch.conftest import FIELDS, Room, make_room

pytestmark = pytest.mark.redis


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def room(sqlite_engine: AsyncEngine) -> Room:
    return await make_room(sqlite_engine)


def console(
    room: Room,
    redis: Redis,
    stream: str,
    name: str,
    idle_ms: int = 30_000,
    *,
    shared: bool = False,
    batch: int = 100,
) -> StreamDispatchDesk:
    return StreamDispatchDesk(
        redis,
        stream,
        group="consoles",
        consumer=name,
        tickets=room.tickets,
        acknowledger=room.acknowledger,
        claim_idle_ms=idle_ms,
        shared=shared,
        batch=batch,
    )


async def test_qualified_call_appears_once_even_if_the_relay_dies_after_xadd(
    room: Room, redis: Redis, stream_name: str
) -> None:
    stream = DispatchStream(redis, stream_name)
    relay = room.relay(stream)
    radio = console(room, redis, stream_name, "radio-1")
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    ticket = await room.tickets.get(handoff.ticket_id or "")
    assert ticket is not None

    # A relay published, then died before marking the row sent: the row is still unsent...
    first_id = await stream.publish(ticket)
    assert await room.outbox.backlog() == 1
    # ...so the next relay publishes it again: the marker refuses the second XADD.
    assert await relay.drain() == 1
    assert await room.outbox.backlog() == 0
    assert stream.duplicates_refused == 1
    entries = await redis.xrange(stream_name)
    assert [(i, f["ticket"]) for i, f in entries] == [(first_id, ticket.id)]

    assert [t.id for t in await radio.poll(block_ms=100)] == [ticket.id]
    assert await radio.poll(block_ms=10) == []
    [on_view] = await radio.pending()
    assert on_view.qualification == ticket.qualification

    # Amended while waiting: the console shows the new priority, still one entry on the stream.
    await room.service.qualify(call_id, {**FIELDS, "priority": "P1"}, by="op03", request_id="r2")
    await relay.drain()
    assert await radio.poll(block_ms=10) == []
    [on_view] = await radio.pending()
    assert on_view.qualification.priority == "P1"
    assert await redis.xlen(stream_name) == 1

    await room.line_ended(call_id)
    await radio.acknowledge(ticket.id, "CAR-01", by="radio1")
    assert await radio.pending() == []
    pending = await redis.xpending(stream_name, "consoles")
    assert pending["pending"] == 0
    assert await room.kinds(call_id) == [
        "entered",
        "queued",
        "offered",
        "answered",
        "qualified",
        "dispatch_sent",
        "amended",
        "line_ended",
        "handed_off",
        "closed",
    ]


async def test_ticket_held_by_a_dead_console_is_claimed_by_another(
    room: Room, redis: Redis, stream_name: str
) -> None:
    relay = room.relay(DispatchStream(redis, stream_name))
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    await relay.drain()

    doomed = console(room, redis, stream_name, "radio-dead", idle_ms=50)
    survivor = console(room, redis, stream_name, "radio-2", idle_ms=50)
    assert [t.id for t in await doomed.poll(block_ms=100)] == [handoff.ticket_id]
    assert await survivor.poll() == []  # delivered to the other console, not idle yet
    del doomed  # dies without XACK

    await asyncio.sleep(0.1)
    assert [t.id for t in await survivor.poll()] == [handoff.ticket_id]
    assert survivor.stats.claimed == 1
    await survivor.acknowledge(handoff.ticket_id or "", "MOTO-01", by="radio2")
    assert (await redis.xpending(stream_name, "consoles"))["pending"] == 0

    # The dead console restarted under its old name sees nothing: the ticket is taken.
    reborn = console(room, redis, stream_name, "radio-dead", idle_ms=50)
    assert await reborn.pending() == []
    steps = await room.store.timeline(call_id)
    handed = [s["payload"] for s in steps if s["kind"] == "handed_off"]
    assert handed == [
        {**handed[0], "unit": "MOTO-01", "by": "radio2", "ticket_id": handoff.ticket_id}
    ]


async def test_a_ticket_acknowledged_elsewhere_leaves_every_view(
    room: Room, redis: Redis, stream_name: str
) -> None:
    relay = room.relay(DispatchStream(redis, stream_name))
    call_id = await room.answered_call()
    handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id="r1")
    await relay.drain()
    radio = console(room, redis, stream_name, "radio-1")
    assert len(await radio.pending()) == 1
    # Acknowledged through the API (embedded desk over the same tables), not this console.
    await room.desk.acknowledge(handoff.ticket_id or "", "CAR-03", by="supervisor")
    assert await radio.pending() == []
    assert (await redis.xpending(stream_name, "consoles"))["pending"] == 0


async def test_api_processes_sharing_a_consumer_all_see_every_pending_ticket(
    room: Room, redis: Redis, stream_name: str
) -> None:
    """Two API processes read as one consumer: a ticket delivered to either is on both views
    (a small batch makes the pending list come back in several pages)."""
    relay = room.relay(DispatchStream(redis, stream_name))
    api_a = console(room, redis, stream_name, "api", shared=True, batch=2)
    api_b = console(room, redis, stream_name, "api", shared=True, batch=2)
    other = console(room, redis, stream_name, "radio-1")
    assert await api_b.pending() == []  # B has read its (empty) pending list once already
    tickets = []
    for n in range(5):
        call_id = await room.answered_call()
        handoff = await room.service.qualify(call_id, FIELDS, by="op03", request_id=f"r{n}")
        tickets.append(handoff.ticket_id)
    await relay.drain()

    delivered = await api_a.poll(block_ms=100)  # the first reader takes the new entries
    delivered += await api_a.poll(block_ms=100)
    delivered += await api_a.poll(block_ms=100)
    assert sorted(t.id for t in delivered) == sorted(tickets)
    assert {t.id for t in await api_b.pending()} == set(tickets)
    assert await other.pending() == []  # a separate console gets nothing already delivered

    await api_b.acknowledge(tickets[0] or "", "CAR-03", by="radio-b")
    assert {t.id for t in await api_a.pending()} == set(tickets[1:])
    assert {t.id for t in await api_b.pending()} == set(tickets[1:])
    assert (await redis.xpending(stream_name, "consoles"))["pending"] == 4
