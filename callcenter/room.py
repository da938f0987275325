"""The live room in one process: AMI bridge, ordered pipeline, FastAGI, dispatch and the API.

Everything is built from Settings here and handed to the parts through their ports: the
bridge's ordered runner is the only writer of calls (the AGI server, the API and the dispatch
hand-off submit their events to it), and the live hub is the pipeline's notifier. With Redis
the room also serves API-only processes (``callcenter.remote``); ``run(with_api=False)`` is
``callcenter serve --role bridge``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from callcenter.agi.server import FastAgiServer
from callcenter.agi.service import build_agi_server
from callcenter.ami.bridge import Bridge
from callcenter.ami.client import AmiClient
from callcenter.ami.control import AmiPbxControl
from callcenter.ami.metrics import bridge_metrics
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.api.app import create_app
from callcenter.api.ports import Services
from callcenter.auth.passwords import Passwords
from callcenter.auth.tokens import Tokens, signing_secret
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.dispatch.runtime import open_dispatch
from callcenter.domain.events import Qualification
from callcenter.live.hub import LiveHub
from callcenter.live.memory import MemoryLog
from callcenter.live.messages import FeedLog
from callcenter.messaging.fanout import RedisStreamLog
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.remote.bridge_http import bridge_ops_app, bridge_ops_server
from callcenter.remote.bridge_side import BridgeChannel
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore
from callcenter.storage.users import UserStore

log = logging.getLogger(__name__)


def live_log(settings: Settings) -> FeedLog:
    """The live log: a Redis Stream shared by every process, or memory for one process."""
    if settings.redis.url:
        return RedisStreamLog.from_url(settings.redis.url, key=settings.redis.live_stream)
    return MemoryLog()


def api_server(settings: Settings, services: Services) -> uvicorn.Server:
    """The API under uvicorn, as configured (the room's, or an API-only process's)."""
    app = create_app(
        services,
        jwt_secret=settings.api.jwt_secret.get_secret_value(),
        demo=settings.demo,
        stats_interval=settings.api.stats_interval,
        api=settings.api,
        redis=settings.redis,
        room_settings=settings.room,
        phone=settings.phone,
        incident_types=settings.dispatch.incident_types,
        wallboard=settings.wallboard,
    )
    config = uvicorn.Config(
        app,
        host=settings.api.host,
        port=settings.api.port,
        log_level="info",
        lifespan="on",
        log_config=LOGGING_CONFIG if settings.demo else None,
    )
    return uvicorn.Server(config)


class DispatchHandOff:
    """The API's ``HandOff`` port over the dispatch service: qualify and open one ticket."""

    def __init__(self, service: HandoffService) -> None:
        self.service = service

    async def request(self, call_id: str, qualification: Qualification, by: str) -> str:
        # One hand-off per call: asking again returns the same ticket.
        result = await self.service.qualify(
            call_id, asdict(qualification), by=by, request_id=f"handoff:{call_id}"
        )
        assert result.ticket_id is not None, "hand_off=True always yields a ticket"
        return result.ticket_id


class Room:
    """Bridge -> ordered runner -> store and live hub; AGI, dispatch and API around it."""

    def __init__(
        self,
        settings: Settings,
        store: TimelineStore,
        *,
        feed_log: FeedLog | None = None,
        drain_timeout: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.drain_timeout = drain_timeout
        self.feed_log = feed_log or MemoryLog()
        self.hub = LiveHub(self.feed_log)
        self.processor = CallProcessor(store, self.hub)
        self.runner = OrderedRunner(self.processor)
        self.seats = LiveSeatBoard()
        self.bridge = Bridge(self.runner.put_nowait, self.seats, region=settings.agi.default_region)
        self.client = AmiClient(settings.ami, self.bridge)
        self.pbx = AmiPbxControl(self.client, live_channel=self.seat_channel)
        self.bridge_channel: BridgeChannel | None = None  # with Redis, while running

    def seat_channel(self, interface: str) -> str | None:
        """The live channel of the call a seat (named by its interface) is in, if any."""
        for seat in self.seats.seats():
            if seat.interface == interface and seat.call_id:
                channels = self.bridge.call_channels(seat.call_id)
                return channels.seat or None if channels else None
        return None

    def metrics(self) -> dict[str, float]:
        return bridge_metrics(self.bridge, self.runner, self.client)

    async def adopt_live_calls(self, *, lookback_hours: float = 12.0) -> int:
        """Calls a previous run left live: the first snapshot resyncs them or marks them lost."""
        now = self.clock()
        live = set()
        async for row in self.store.calls(since=now - timedelta(hours=lookback_hours)):
            if not row["line_ended"] and row["state"] not in ("closed", "abandoned", "lost"):
                live.add(row["id"])
        self.bridge.adopt(live, since=now)
        return len(live)

    def api_server(self, services: Services) -> uvicorn.Server:
        return api_server(self.settings, services)

    def services(self, handoff: DispatchHandOff, desk: object) -> Services:
        s = self.settings
        return Services(
            store=self.store,
            users=UserStore(self.store.engine),
            tokens=Tokens(signing_secret(s.api.jwt_secret.get_secret_value(), demo=s.demo)),
            passwords=Passwords(),
            hub=self.hub,
            pbx=self.pbx,
            seats=self.seats,
            events=self.runner,
            dispatch=desk,  # type: ignore[arg-type]
            handoff=handoff,
            pbx_connected=self.client.logged_in.is_set,
            counters=lambda: {k: int(v) for k, v in self.metrics().items()},
        )

    async def run(
        self,
        stop: asyncio.Event,
        *,
        with_api: bool = True,
        with_agi: bool = True,
        ops_http: bool = False,
    ) -> None:
        """Run until ``stop`` is set; then stop taking input and finish what was received.

        ``ops_http``: without the API, still serve /healthz, /readyz and /metrics (the bridge
        role)."""
        adopted = await self.adopt_live_calls()
        if adopted:
            log.info("%d calls were live when callcenter last stopped: resyncing them", adopted)
        self.runner.start()
        tasks: list[asyncio.Task[None]] = []
        agi = build_agi_server(self.settings.agi, self.store.engine, self.runner)
        async with contextlib.AsyncExitStack() as stack:
            dispatch = await stack.enter_async_context(
                open_dispatch(
                    self.settings,
                    self.store,
                    self.runner,
                    calls=PipelineCalls(self.processor, self.store),
                    # the API's dispatchers, in this and any API-only process, share one view
                    console=self.settings.dispatch.api_console,
                    shared_view=True,
                    live=self.hub,  # ticket changes on /live/dispatch and /live/operator
                )
            )
            if with_agi:
                await agi.start()
                log.info("FastAGI on %s:%s", self.settings.agi.host, agi.port)
            channel = self.bridge_channel = self._bridge_channel(DispatchHandOff(dispatch.service))
            tasks.append(asyncio.create_task(self.client.run(), name="ami"))
            stoppers: list[asyncio.Task[bool] | asyncio.Task[None]] = [
                asyncio.create_task(stop.wait(), name="stop")
            ]
            api = None
            if with_api:
                services = self.services(DispatchHandOff(dispatch.service), dispatch.desk)
                api = self.api_server(services)
            elif ops_http:
                api = self._ops_server(channel)
            if api is not None:
                tasks.append(asyncio.create_task(api.serve(), name="api"))
                # uvicorn captures SIGTERM/SIGINT itself while it runs: its exit stops us too.
                stoppers.append(tasks[-1])
            reporter = asyncio.create_task(self._report(), name="metrics")
            stopping = stoppers[0]
            try:
                await asyncio.wait(stoppers, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                reporter.cancel()
                log.info("callcenter serve: stopping")
                if channel is not None:  # API-only processes get 503 from now on
                    await channel.stop()
                await self._shutdown(agi if with_agi else None, api, tasks)
        await self.feed_log.close()
        log.info("callcenter serve: stopped %s", self.metrics())

    def _ops_server(self, channel: BridgeChannel | None) -> uvicorn.Server:
        app = bridge_ops_app(
            self.store,
            channel,
            ami_connected=self.client.logged_in.is_set,
            counters=self.metrics,
            metrics_token=token.get_secret_value()
            if (token := self.settings.api.metrics_token)
            else None,
            metrics_open=self.settings.demo and not self.settings.api.metrics_token,
        )
        return bridge_ops_server(self.settings, app)

    def _bridge_channel(self, handoff: DispatchHandOff) -> BridgeChannel | None:
        """With Redis: serve API-only processes (commands, seat board, heartbeat)."""
        if not self.settings.redis.url:
            return None
        channel = BridgeChannel(
            self.settings,
            self.seats,
            pbx=self.pbx,
            sink=self.runner,
            handoff=handoff,
            ami_connected=self.client.logged_in.is_set,
        )
        channel.start()
        return channel

    async def _shutdown(
        self, agi: FastAgiServer | None, api: uvicorn.Server | None, tasks: list[asyncio.Task[None]]
    ) -> None:
        if agi is not None:
            await agi.close()
        await self.client.close()
        if api is not None:
            api.should_exit = True
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 10)
        try:
            # Everything received is processed before we return (unless the database stays
            # down: then say how much was left).
            await asyncio.wait_for(self.runner.close(), self.drain_timeout)
        except TimeoutError:
            log.error("stopped with %d events unprocessed", self.runner.backlog())

    async def _report(self, every: float = 60.0) -> None:
        while True:
            await asyncio.sleep(every)
            log.info("bridge metrics %s", self.metrics())
