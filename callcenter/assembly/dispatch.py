"""The dispatch hand-off assembled from settings: service, desk, relay and escalation tasks.

``open_dispatch`` is for the room's assembly (``callcenter.assembly.room``): it builds
everything over the given store and event sink, starts the relay and the escalation check as
owned tasks, and stops them (and closes Redis) on exit. Given the live hub (``live``), the
relay, the escalation check and the acknowledger announce ticket changes on it
(``callcenter.dispatch.feed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from callcenter.desks import CallLookup
from callcenter.dispatch.board import TicketBoard
from callcenter.dispatch.desk import AckRecorder, EmbeddedDispatchDesk, TicketAcknowledger
from callcenter.dispatch.escalation import Escalator
from callcenter.dispatch.feed import TicketFeed
from callcenter.dispatch.handoff import HandoffService
from callcenter.dispatch.qualification import Taxonomy
from callcenter.dispatch.units import UnitRegistry
from callcenter.messaging.connection import connect
from callcenter.messaging.consumer import StreamDispatchDesk
from callcenter.messaging.relay import OutboxRelay, Publisher, TablePublisher
from callcenter.messaging.stream import DispatchStream
from callcenter.pipeline.ports import DispatchDesk, EventSink, Notifier
from callcenter.settings import Settings
from callcenter.storage.outbox import Outbox
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore, UnitStore

log = logging.getLogger(__name__)


@dataclass
class Dispatch:
    service: HandoffService  # qualify + hand off (the API's entry point)
    desk: DispatchDesk  # pending() / acknowledge() for radio operators
    units: UnitRegistry
    tickets: TicketStore
    relay: OutboxRelay
    escalator: Escalator
    recorder: AckRecorder
    redis: Redis | None
    feed: TicketFeed | None = None  # announces ticket changes on the live feeds


def console_name() -> str:
    """A consumer name for a process that did not choose one."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_dispatch(
    settings: Settings,
    store: TimelineStore,
    sink: EventSink,
    *,
    redis: Redis | None = None,
    console: str | None = None,
    calls: CallLookup | None = None,
    room: bool = True,
    shared_view: bool = False,
    live: Notifier | None = None,
) -> Dispatch:
    """``calls``: where the service checks a call's state (``PipelineCalls`` over the
    processor's cache saves a database read per qualification; default: the store).
    ``room``: False for a console outside the room's process, which must not write calls:
    its acknowledgements reach the timeline through the room's ``AckRecorder``.
    ``live``: where ticket changes are announced (None: nowhere)."""
    cfg = settings.dispatch
    tickets = TicketStore(store.engine)
    feed = TicketFeed(live, TicketBoard(store.engine)) if live is not None else None
    recorder = AckRecorder(
        tickets,
        sink,
        # without Redis a console elsewhere had no live log to announce its acknowledgements
        announce_outside=feed.acknowledged if feed is not None and redis is None else None,
    )
    acknowledger = TicketAcknowledger(
        tickets, recorder if room else None, announce=feed.acknowledged if feed else None
    )
    service = HandoffService(
        sink,
        calls or store,
        tickets,
        Taxonomy.from_codes(cfg.incident_types),
        region=cfg.region,
    )
    publisher: Publisher
    desk: DispatchDesk
    if redis is None:
        publisher = TablePublisher()
        desk = EmbeddedDispatchDesk(tickets, acknowledger)
    else:
        stream = settings.redis.dispatch_stream
        publisher = DispatchStream(
            redis,
            stream,
            marker_ttl_seconds=cfg.published_marker_ttl_seconds,
            maxlen=cfg.stream_maxlen,
            timeout=cfg.redis_timeout_seconds,
        )
        desk = StreamDispatchDesk(
            redis,
            stream,
            group=cfg.consumer_group,
            consumer=console or console_name(),
            tickets=tickets,
            acknowledger=acknowledger,
            claim_idle_ms=int(cfg.claim_idle_seconds * 1000),
            timeout=cfg.redis_timeout_seconds,
            shared=shared_view,
        )
    relay = OutboxRelay(
        Outbox(store.engine),
        publisher,
        sink,
        batch=cfg.relay_batch,
        announce=feed.relayed if feed else None,
    )
    store.on_dispatch(relay.wake)
    escalator = Escalator(
        tickets,
        sink,
        after_seconds=cfg.escalate_after_seconds,
        announce=feed.escalated if feed else None,
    )
    return Dispatch(
        service=service,
        desk=desk,
        units=UnitRegistry(UnitStore(store.engine)),
        tickets=tickets,
        relay=relay,
        escalator=escalator,
        recorder=recorder,
        redis=redis,
        feed=feed,
    )


@contextlib.asynccontextmanager
async def open_dispatch(
    settings: Settings,
    store: TimelineStore,
    sink: EventSink,
    *,
    console: str | None = None,
    calls: CallLookup | None = None,
    shared_view: bool = False,
    live: Notifier | None = None,
) -> AsyncIterator[Dispatch]:
    """Build the hand-off, seed the default units, run relay, escalation and the recorder of
    acknowledgements made by other processes until exit."""
    cfg = settings.dispatch
    redis = None
    if settings.redis.url:
        redis = connect(settings.redis.url, timeout=cfg.redis_timeout_seconds, block_seconds=1.0)
    dispatch = build_dispatch(
        settings,
        store,
        sink,
        redis=redis,
        console=console,
        calls=calls,
        shared_view=shared_view,
        live=live,
    )
    await dispatch.units.seed_defaults()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            dispatch.relay.run(stop, poll=cfg.relay_poll_seconds, retry=cfg.relay_retry_seconds),
            name="dispatch-relay",
        ),
        asyncio.create_task(
            dispatch.escalator.run(cfg.escalation_check_seconds, stop), name="dispatch-escalation"
        ),
        asyncio.create_task(
            _every(cfg.escalation_check_seconds, stop, dispatch.recorder.record_pending),
            name="dispatch-ack-recorder",
        ),
    ]
    try:
        yield dispatch
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        if redis is not None:
            await redis.aclose()


async def _every(seconds: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]]) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception:  # a database hiccup must not end the loop
            log.exception("dispatch upkeep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
