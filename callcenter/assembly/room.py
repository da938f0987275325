"""The live room in one process: AMI bridge, ordered pipeline, FastAGI, dispatch and the API.

Everything is built from Settings here and handed to the parts through their ports: the
bridge's ordered runner is the only writer of calls (the AGI server, the API and the dispatch
hand-off submit their events to it), and the live hub is the pipeline's notifier. With Redis
the room also serves API-only processes (``callcenter.remote``); ``with_api=False,
ops_http=True`` is ``callcenter serve --role bridge``.

Lifecycle, as uvicorn's ``Server``: ``async with room: await room.serve(stop)``. Entering
starts every input (runner, dispatch tasks, FastAGI, the bridge channel, the AMI client);
``serve`` runs the HTTP side until ``stop`` is set or uvicorn exits on a signal; leaving stops
taking input, then finishes what was received (dispatch tasks first, then the runner's
backlog, then the live notifications it queued), then closes the live log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import uvicorn

from callcenter.agi.service import build_agi_server, warn_if_loopback
from callcenter.ami.bridge import Bridge
from callcenter.ami.callerid import to_e164
from callcenter.ami.client import AmiClient
from callcenter.ami.control import AmiPbxControl
from callcenter.ami.metrics import bridge_metrics
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.api.ports import Services
from callcenter.assembly.api import api_server, services
from callcenter.assembly.dispatch import Dispatch, open_dispatch
from callcenter.dispatch.handoff import HandoffService, PipelineCalls
from callcenter.domain.call import still_live
from callcenter.domain.callbacks import CallbackRules
from callcenter.domain.pbx_log import CallerLeg
from callcenter.live.hub import LiveHub
from callcenter.live.memory import MemoryLog
from callcenter.live.messages import FeedLog
from callcenter.pbxlog.reconciler import Reconciler
from callcenter.pbxlog.source import build_reader
from callcenter.pipeline.notifications import NotificationQueue
from callcenter.pipeline.processor import CallProcessor
from callcenter.pipeline.runner import OrderedRunner
from callcenter.remote.bridge_http import bridge_ops_app, bridge_ops_server
from callcenter.remote.bridge_side import BridgeChannel
from callcenter.settings import Settings
from callcenter.storage.store import TimelineStore
from callcenter.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class DispatchHandOff:
    """The API's ``HandOff`` port over the dispatch service: qualify and open one ticket."""

    def __init__(self, service: HandoffService) -> None:
        self.service = service

    async def qualify(
        self, call_id: str, fields: Mapping[str, Any], by: str, request_id: str
    ) -> None:
        await self.service.qualify(call_id, fields, by=by, request_id=request_id, hand_off=False)

    async def request(self, call_id: str, fields: Mapping[str, Any], by: str) -> str:
        # One hand-off per call: asking again returns the same ticket.
        result = await self.service.qualify(call_id, fields, by=by, request_id=f"handoff:{call_id}")
        assert result.ticket_id is not None, "hand_off=True always yields a ticket"
        return result.ticket_id


class Room:
    """Bridge -> ordered runner -> store and live hub; AGI, dispatch and API around it.

    ``with_api``: serve the API (roles all and the demo); else, with ``ops_http``, only
    /healthz, /readyz and /metrics (role bridge). ``with_agi``: serve FastAGI."""

    def __init__(
        self,
        settings: Settings,
        store: TimelineStore,
        *,
        feed_log: FeedLog | None = None,
        drain_timeout: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        with_api: bool = True,
        with_agi: bool = True,
        ops_http: bool = False,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.drain_timeout = drain_timeout
        self.with_api = with_api
        self.with_agi = with_agi
        self.ops_http = ops_http
        self.feed_log = feed_log or MemoryLog()
        self.hub = LiveHub(self.feed_log)
        # Publishing never fails or slows the pipeline: the hub is fed through a queue.
        self.notifications = NotificationQueue(self.hub)
        cb = settings.callbacks
        rules = CallbackRules(silent_seconds=cb.silent_seconds, max_attempts=cb.max_attempts)
        self.processor = CallProcessor(store, self.notifications, callback_rules=rules)
        self.runner = OrderedRunner(self.processor)
        self.seats = LiveSeatBoard()
        self.reconciler = self._reconciler()
        self.bridge = Bridge(
            self.runner.put_nowait,
            self.seats,
            region=settings.agi.default_region,
            on_resynced=self.reconciler.request if self.reconciler else None,
        )
        self.client = AmiClient(settings.ami, self.bridge)
        self.pbx = AmiPbxControl(
            self.client,
            live_channel=self.bridge.seat_channel,
            callback_context=cb.context,
            originate_timeout_ms=cb.ring_seconds * 1000,
        )
        self.agi = build_agi_server(settings.agi, store.engine, self.runner)
        # No callers-first gate here (pipeline/priority.py): this runner also feeds the live
        # screens, and in bench/burst_bench.py holding it cost the websockets 10-20 ms at p99
        # without making the FastAGI answers faster (callcenter agi alone does gate).
        self.bridge_channel: BridgeChannel | None = None  # with Redis, while running
        self.api: uvicorn.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stack = contextlib.AsyncExitStack()

    def metrics(self) -> dict[str, float]:
        live = self.notifications.stats
        out = {
            **bridge_metrics(self.bridge, self.runner, self.client),
            "live_notifications_dropped": live.dropped,
            "live_notifications_failed": live.failed,
        }
        if self.reconciler is not None:  # what the PBX's own records gave back (pbxlog/)
            r = self.reconciler.stats
            out["pbx_log_runs"] = r.runs
            out["pbx_log_errors"] = r.errors
            out["pbx_log_steps_reconstructed"] = r.steps
            out["pbx_log_calls_recovered"] = r.calls_recovered
            out["pbx_log_calls_added"] = r.calls_added
            out["pbx_log_steps_refused"] = r.refused
        if self.with_agi:  # FastAGI: sessions, refused asks, and the callers it could not serve
            out["agi_sessions"] = self.agi.stats.sessions
            out["agi_paced"] = self.agi.stats.paced
            out["agi_overran"] = self.agi.stats.overran  # cut at the budget: dialplan defaults
            out["agi_shed"] = self.agi.stats.shed  # let go unanswered: no place within the wait
        return out

    async def adopt_live_calls(self, *, lookback_hours: float = 12.0) -> int:
        """Calls a previous run left live: the first snapshot resyncs them or marks them lost."""
        now = self.clock()
        live = set()
        async for row in self.store.calls(since=now - timedelta(hours=lookback_hours)):
            if still_live(row["state"], row["line_ended"]):
                live.add(row["id"])
        self.bridge.adopt(live, since=now)
        return len(live)

    async def __aenter__(self) -> Self:
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self.feed_log.close)
            self.notifications.start()
            stack.push_async_callback(self.notifications.close)
            adopted = await self.adopt_live_calls()
            if adopted:
                log.info("%d calls were live when callcenter last stopped: resyncing them", adopted)
            self.runner.start()
            stack.push_async_callback(self._drain)
            if self.reconciler is not None:
                # after every AMI (re)connection's resync, and periodically while connected
                task = asyncio.create_task(
                    self.reconciler.serve(
                        self.client.logged_in.is_set, self.settings.pbx_log.period_seconds
                    ),
                    name="pbx-log",
                )
                stack.push_async_callback(_cancel, task)
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
            stack.push_async_callback(self._stop_input)
            if self.with_agi:
                await self.agi.start()
                log.info("FastAGI on %s:%s", self.settings.agi.host, self.agi.port)
                warn_if_loopback(self.settings)
            self.bridge_channel = self._bridge_channel(DispatchHandOff(dispatch.service))
            self._tasks.append(asyncio.create_task(self.client.run(), name="ami"))
            if self.with_api:
                self.api = api_server(self.settings, self._services(dispatch))
            elif self.ops_http:
                self.api = self._ops_server(self.bridge_channel)
            self._stack = stack.pop_all()
        return self

    async def serve(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set (or uvicorn, which captures SIGTERM/SIGINT while it runs,
        exits): the HTTP side and the periodic metrics line."""
        stoppers: list[asyncio.Task[bool] | asyncio.Task[None]] = [
            asyncio.create_task(stop.wait(), name="stop")
        ]
        if self.api is not None:
            self._tasks.append(asyncio.create_task(self.api.serve(), name="api"))
            stoppers.append(self._tasks[-1])  # its exit stops us too
        reporter = asyncio.create_task(self._report(), name="metrics")
        try:
            await asyncio.wait(stoppers, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stoppers[0].cancel()
            reporter.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        log.info("callcenter serve: stopping")
        await self._stack.aclose()
        log.info("callcenter serve: stopped %s", self.metrics())

    async def run(self, stop: asyncio.Event) -> None:
        """The whole lifecycle in one call."""
        async with self:
            await self.serve(stop)

    def _reconciler(self) -> Reconciler | None:
        """The reconciliation with Asterisk's own records (issue 15), if there are any."""
        pbx_log = self.settings.pbx_log
        reader = build_reader(pbx_log, self.store.engine)
        if reader is None:
            return None
        region = self.settings.agi.default_region
        return Reconciler(
            reader,
            self.runner,
            self.store,
            margin=timedelta(seconds=pbx_log.margin_seconds),
            settle=timedelta(seconds=pbx_log.settle_seconds),
            lookback=timedelta(hours=pbx_log.lookback_hours),
            read_timeout=pbx_log.read_timeout_seconds,
            caller_leg=CallerLeg(pbx_log.caller_leg),
            inbound_context=pbx_log.inbound_context,
            e164=lambda raw: to_e164(raw, region),
            clock=self.clock,
        )

    def _services(self, dispatch: Dispatch) -> Services:
        return services(
            self.settings,
            self.store,
            hub=self.hub,
            pbx=self.pbx,
            seats=self.seats,
            events=self.runner,
            dispatch=dispatch.desk,
            handoff=DispatchHandOff(dispatch.service),
            pbx_connected=self.client.logged_in.is_set,
            counters=lambda: {k: int(v) for k, v in self.metrics().items()},
            agi_idle=self.agi.idle_seconds if self.with_agi else None,
        )

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

    async def _stop_input(self) -> None:
        if self.bridge_channel is not None:  # API-only processes get 503 from now on
            await self.bridge_channel.stop()
        if self.with_agi:
            await self.agi.close()
        await self.client.close()
        if self.api is not None:
            self.api.should_exit = True
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 10)

    async def _drain(self) -> None:
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


async def _cancel(task: asyncio.Task[None]) -> None:
    await cancel_and_wait(task)
