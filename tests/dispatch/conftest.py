from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.dispatch.desk import AckRecorder, EmbeddedDispatchDesk, TicketAcknowledger
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.qualification import Taxonomy
from callcenter.dispatch.units import UnitRegistry
from callcenter.domain import events as ev
from callcenter.domain.effects import NotifyClients
from callcenter.messaging.connection import connect
from callcenter.messaging.relay import OutboxRelay, Publisher, TablePublisher
from callcenter.pipeline.direct import ProcessorSink
from callcenter.pipeline.processor import CallProcessor
from callcenter.storage.outbox import Outbox
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore, UnitStore

REDIS_URL = "redis://127.0.0.1:6379/0"

FIELDS = {
    "incident_type": "road_accident",
    "priority": "P2",
    "address": "Bd Anfa, Casablanca",
    "latitude": 33.5890,
    "longitude": -7.6300,
    "callback_e164": "0612345678",
    "notes": "two cars, one injured",
}


class RecordingNotifier:
    def __init__(self) -> None:
        self.messages: list[NotifyClients] = []

    async def notify(self, message: NotifyClients) -> None:
        self.messages.append(message)


@dataclass
class Room:
    """The hand-off wired as the room wires it, over one store and one in-process sink."""

    store: TimelineStore
    processor: CallProcessor
    sink: ProcessorSink
    notifier: RecordingNotifier
    tickets: TicketStore
    outbox: Outbox
    units: UnitRegistry
    service: HandoffService
    acknowledger: TicketAcknowledger
    desk: EmbeddedDispatchDesk
    calls: list[str] = field(default_factory=list)

    def relay(self, publisher: Publisher | None = None) -> OutboxRelay:
        relay = OutboxRelay(self.outbox, publisher or TablePublisher(), self.sink)
        self.store.on_dispatch(relay.wake)
        return relay

    async def answered_call(self, call_id: str | None = None) -> str:
        """A call that rang, queued, was offered to a seat and answered, seconds ago."""
        call_id = call_id or f"17953{uuid.uuid4().int % 10**8}.{len(self.calls)}"
        t = datetime.now(UTC) - timedelta(seconds=40)
        common = {"call_id": call_id, "clock": ev.Clock.PBX}
        steps: list[ev.CallEvent] = [
            ev.CallEntered(
                **common, at=t, received_at=t, source_id=f"{call_id}:e", caller_raw="0612345678"
            ),
            ev.CallerQueued(
                **common,
                at=t + timedelta(seconds=1),
                received_at=t + timedelta(seconds=1),
                source_id=f"{call_id}:q",
                queue="line19",
                position=1,
                count=1,
            ),
            ev.SeatOffered(
                **common,
                at=t + timedelta(seconds=5),
                received_at=t + timedelta(seconds=5),
                source_id=f"{call_id}:o",
                queue="line19",
                seat="Seat 03",
            ),
            ev.CallAnswered(
                **common,
                at=t + timedelta(seconds=7),
                received_at=t + timedelta(seconds=7),
                source_id=f"{call_id}:a",
                queue="line19",
                seat="Seat 03",
                hold_seconds=6,
                ring_seconds=2,
            ),
        ]
        for event in steps:
            await self.sink.submit(event)
        self.calls.append(call_id)
        return call_id

    async def line_ended(self, call_id: str) -> None:
        now = datetime.now(UTC)
        await self.sink.submit(
            ev.LineEnded(call_id=call_id, at=now, received_at=now, source_id=f"{call_id}:h")
        )

    async def kinds(self, call_id: str) -> list[str]:
        return [step["kind"] for step in await self.store.timeline(call_id)]


async def make_room(engine: AsyncEngine) -> Room:
    store = TimelineStore(engine)
    notifier = RecordingNotifier()
    processor = CallProcessor(store, notifier)
    sink = ProcessorSink(processor)
    tickets = TicketStore(engine)
    units = UnitRegistry(UnitStore(engine))
    await units.seed_defaults()
    acknowledger = TicketAcknowledger(tickets, AckRecorder(tickets, sink))
    return Room(
        store=store,
        processor=processor,
        sink=sink,
        notifier=notifier,
        tickets=tickets,
        outbox=Outbox(engine),
        units=units,
        service=HandoffService(sink, PipelineCalls(processor, store), tickets, Taxonomy.default()),
        acknowledger=acknowledger,
        desk=EmbeddedDispatchDesk(tickets, acknowledger),
    )


@pytest.fixture
async def room(engine: AsyncEngine) -> Room:
    return await make_room(engine)


@pytest.fixture
def stream_name() -> str:
    return f"test:dispatch:{uuid.uuid4().hex}"


@pytest.fixture
async def redis(stream_name: str) -> AsyncIterator[Redis]:
    """The shared Redis server; every key of this test's stream is deleted afterwards."""
    client = connect(REDIS_URL, timeout=2.0, block_seconds=1.0)
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{stream_name}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
