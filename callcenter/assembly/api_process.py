"""``callcenter serve --role api``: the HTTP API alone, acting through the bridge over Redis.

It reads what every process shares (calls, timelines, users, tickets in PostgreSQL; the live
log, the seat board and the bridge's heartbeat in Redis) and asks the bridge for everything
else: PBX actions, events for the ordered runner, dispatch hand-offs (``callcenter.remote.ports``).
Radio dispatchers acknowledge tickets here directly (the ticket table); the bridge puts the
acknowledgement on the call's timeline (``AckRecorder``), as for the dispatch console CLI.

Lifecycle, as the room's: ``async with process: await process.serve(stop)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Self

import uvicorn

from callcenter.api.ports import Services
from callcenter.assembly.api import api_server, live_log, services
from callcenter.dispatch.board import TicketBoard
from callcenter.dispatch.desk import TicketAcknowledger
from callcenter.dispatch.feed import TicketFeed
from callcenter.live.hub import LiveHub
from callcenter.live.messages import FeedLog
from callcenter.messaging.commands import BridgeKeys, CommandClient
from callcenter.messaging.connection import connect
from callcenter.messaging.consumer import StreamDispatchDesk
from callcenter.messaging.seat_snapshot import RemoteSeatBoard
from callcenter.remote.ports import RemoteEventSink, RemoteHandOff, RemotePbx
from callcenter.remote.roles import ServeRole, check_role
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore
from callcenter.storage.tickets import TicketStore
from callcenter.tasks import stop_within

log = logging.getLogger(__name__)


class ApiProcess:
    def __init__(
        self, settings: Settings, store: TimelineStore, *, feed_log: FeedLog | None = None
    ) -> None:
        check_role(settings, ServeRole.API)
        assert settings.redis.url is not None
        self.settings = settings
        self.store = store
        url = settings.redis.url
        cfg = settings.dispatch
        timeout = settings.redis.command_timeout_seconds
        self.redis = connect(
            url, timeout=cfg.redis_timeout_seconds, block_seconds=timeout, retries=1
        )
        self.desk_redis = connect(url, timeout=cfg.redis_timeout_seconds, block_seconds=1.0)
        keys = BridgeKeys(settings.redis.bridge_prefix)
        self.client = CommandClient(self.redis, keys, timeout=timeout)
        self.board = RemoteSeatBoard(self.redis, keys)
        self.feed_log = feed_log or live_log(settings)
        self.hub = LiveHub(self.feed_log)
        self.services = self._services()
        self.server: uvicorn.Server | None = None
        self._board_stop = asyncio.Event()
        self._board: asyncio.Task[None] | None = None

    def _services(self) -> Services:
        s = self.settings
        tickets = TicketStore(self.store.engine)
        desk = StreamDispatchDesk(
            self.desk_redis,
            s.redis.dispatch_stream,
            group=s.dispatch.consumer_group,
            consumer=s.dispatch.api_console,
            shared=True,  # every API process's dispatchers see every pending ticket
            tickets=tickets,
            # The bridge records the steps; this process announces what its dispatchers took.
            acknowledger=TicketAcknowledger(
                tickets,
                None,
                announce=TicketFeed(self.hub, TicketBoard(self.store.engine)).acknowledged,
            ),
            claim_idle_ms=int(s.dispatch.claim_idle_seconds * 1000),
            timeout=s.dispatch.redis_timeout_seconds,
        )
        return services(
            s,
            self.store,
            hub=self.hub,
            pbx=RemotePbx(self.client),
            seats=self.board,
            events=RemoteEventSink(self.client),
            dispatch=desk,
            handoff=RemoteHandOff(self.client),
            pbx_connected=self.board.pbx_connected,
            counters=lambda: {f"commands_{k}": v for k, v in vars(self.client.stats).items()},
        )

    async def __aenter__(self) -> Self:
        self._board = asyncio.create_task(self.board.run(self._board_stop), name="seat-board")
        self.server = api_server(self.settings, self.services)
        return self

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set (or uvicorn exits on SIGTERM/SIGINT)."""
        assert self.server is not None, "serve() inside `async with`"
        api = asyncio.create_task(self.server.serve(), name="api")
        stopping = asyncio.create_task(stop.wait(), name="stop")
        try:
            await asyncio.wait({api, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            log.info("callcenter serve --role api: stopping")
            self.server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(api, 10)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._board_stop.set()
        if self._board is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await stop_within([self._board], 5)  # a Redis reader (callcenter/tasks.py)
        await self.feed_log.close()
        await self.redis.aclose()
        await self.desk_redis.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        """The whole lifecycle in one call."""
        async with self:
            await self.serve(stop)
