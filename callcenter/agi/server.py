"""The FastAGI TCP server: accepts Asterisk's connections and runs one route per session.

Promises:
- every session is answered (its route finished and the socket closed) within ``budget``
  seconds of being taken up (the end of its environment, or under a burst the moment it gets
  its place, see below); a route that overruns is cancelled and the socket closed, so the
  dialplan continues (fail-open: the call goes to the queue);
- a peer that sends a broken or endless environment, or stalls, is dropped after
  ``env_timeout`` and counted; nothing a peer sends can raise out of the server;
- an unknown route is counted and closed at once (the dialplan continues);
- a channel asking again sooner than ``retry_wait`` seconds after its last answered session
  (a spinning overflow loop, see ``pacing.py``) is refused: counted in ``stats.paced``, logged,
  and closed at once without any work, so the dialplan's default route (queue) stands;
- ``last_session_at`` (the clock's time of the last environment read) tells readiness checks
  whether the PBX has reached the server recently;
- every background task (late recordings) is owned and awaited, with a deadline, on ``close``;
- a route with a ``start`` coroutine is warmed by ``start`` before the port opens (the first
  burst after start must not pay for cold caches), as one with ``aclose`` is closed on
  ``close``;
- a burst of connections (600 callers at once) waits in the listen backlog (``backlog``), not
  in the kernel's SYN retries; every environment is read as it comes (cheap, and a peer that
  stalls holds nothing), but at most ``max_active`` routes run at once: the others wait for a
  place in arrival order, their budget not started (a burst is decided first come, first
  served, instead of every session overrunning its budget together); one that waits longer
  than ``place_wait`` (overloaded: a place frees within ``budget`` otherwise) is let go at
  once, unanswered, counted in ``stats.shed`` and logged: the dialplan's defaults stand (queue,
  normal priority), so no caller waits longer than ``place_wait`` + ``budget`` after its
  environment, and serving it late does not push the sessions in service past their budgets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from callcenter.agi.pacing import RetryPacer
from callcenter.agi.protocol import LINE_LIMIT, AgiProtocolError, AgiRequest, AgiSession
from callcenter.agi.quiet import Quiet
from callcenter.pipeline.priority import CallersFirst

log = logging.getLogger(__name__)
quiet = Quiet(log)

# Connections the kernel holds before the server accepts them. asyncio's default (100) is less
# than a burst: the 101st caller's connection is dropped and retried a second later. The
# kernel caps it at net.core.somaxconn (4096 on current Linux).
BACKLOG = 1024
# Routes run at once. A burst larger than this is served in arrival order: the others wait for
# a place (their budget not started), instead of all sharing the loop until every one of them
# overruns its budget and falls open. Measured with
# bench/agi_burst.py on a loaded 2-core machine: with 64, 1-10 % of a 60-caller burst fell open
# (cut at the budget); with 16 or 32, none, at the same p99 from the burst's instant (the
# loop's work is the same, served first come first served instead of all at once).
MAX_ACTIVE = 16


class Route(Protocol):
    async def __call__(
        self,
        session: AgiSession,
        request: AgiRequest,
        deadline: float,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None: ...


@dataclass
class ServerStats:
    sessions: int = 0
    answered: int = 0
    overran: int = 0  # the route was cut at the budget
    protocol_errors: int = 0  # bad or truncated environment, dropped connection
    unknown_routes: int = 0
    route_errors: int = 0  # a route raised: logged, the session closed (fail-open)
    paced: int = 0  # refused: the same channel asked again sooner than the retry wait
    shed: int = 0  # let go unanswered: no place came free within ``place_wait`` (overloaded)


class FastAgiServer:
    def __init__(
        self,
        routes: Mapping[str, Route],
        *,
        host: str = "127.0.0.1",
        port: int = 4573,
        budget: float = 0.2,
        env_timeout: float = 2.0,
        retry_wait: float = 0.0,
        clock: Callable[[], float] | None = None,
        backlog: int = BACKLOG,
        max_active: int = MAX_ACTIVE,
        place_wait: float = 2.0,
        gate: CallersFirst | None = None,
    ) -> None:
        self.routes = dict(routes)
        # held while a caller waits for its answer: the recording of decisions waits meanwhile
        self.gate = gate if gate is not None else CallersFirst()
        self.backlog = backlog
        self.place_wait = place_wait
        self._places = asyncio.Semaphore(max_active)
        self.host = host
        self.port = port
        self.budget = budget
        self.env_timeout = env_timeout
        self.stats = ServerStats()
        self.pacer = RetryPacer(retry_wait)
        # The pacing clock (seconds); the simulator's tests pass simulated time.
        self.clock = clock
        self.last_session_at: float | None = None
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        for route in self.routes.values():
            warm = getattr(route, "start", None)
            if warm is not None:
                await warm()
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, limit=LINE_LIMIT, backlog=self.backlog
        )
        sockets = self._server.sockets
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        log.info("FastAGI on %s:%s, budget %.3f s", self.host, self.port, self.budget)

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        try:
            await self._server.serve_forever()
        finally:
            await self.close()

    async def close(self, grace: float = 5.0) -> None:
        if self._server is not None:
            self._server.close()
        pending = [*self._sessions, *self._background]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
        for route in self.routes.values():
            aclose = getattr(route, "aclose", None)
            if aclose is not None:
                await aclose()
        if self._server is not None:
            try:
                async with asyncio.timeout(grace):
                    await self._server.wait_closed()
            except TimeoutError:
                log.warning("FastAGI: connections still open at shutdown")
            self._server = None

    def idle_seconds(self) -> float | None:
        """Seconds since the PBX last reached this server (None: not since it started)."""
        if self.last_session_at is None:
            return None
        now = self.clock() if self.clock is not None else asyncio.get_running_loop().time()
        return max(now - self.last_session_at, 0.0)

    def spawn(self, work: Awaitable[None]) -> None:
        """Own a task that may outlive its session (a late recording)."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        session = AgiSession(reader, writer)
        try:
            await self._session(session)
        finally:
            await session.close()
            self._sessions.discard(task)

    async def _session(self, session: AgiSession) -> None:
        self.stats.sessions += 1
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.env_timeout):
                request = await session.read_request()
        except (TimeoutError, AgiProtocolError) as exc:
            self.stats.protocol_errors += 1
            quiet.warning("env", "FastAGI: environment refused: %s", exc or type(exc).__name__)
            return
        now = self.clock() if self.clock is not None else loop.time()
        self.last_session_at = now
        key = request.uniqueid or request.channel
        if not self.pacer.admit(key, now):
            self.stats.paced += 1
            if self.stats.paced == 1 or self.stats.paced % 100 == 0:
                log.warning(
                    "FastAGI %s: asked again within %.1f s, refused (the dialplan's default "
                    "route stands; %d refused so far): is the overflow loop paced?",
                    request.channel,
                    self.pacer.min_interval,
                    self.stats.paced,
                )
            return
        route = self.routes.get(request.route)
        if route is None:
            self.stats.unknown_routes += 1
            log.warning("FastAGI: unknown route %r from %s", request.route, request.channel)
            return
        with self.gate.answering():
            await self._take_place_and_serve(session, request, route)

    async def _take_place_and_serve(
        self, session: AgiSession, request: AgiRequest, route: Route
    ) -> None:
        try:
            async with asyncio.timeout(self.place_wait):
                await self._places.acquire()
        except TimeoutError:
            self.stats.shed += 1
            quiet.warning(
                "shed",
                "FastAGI %s: no place free for %.1f s, let go unanswered (the dialplan's "
                "defaults stand; %d so far): is the server overloaded?",
                request.channel,
                self.place_wait,
                self.stats.shed,
            )
            return
        try:
            await self._serve(session, request, route)
        finally:
            self._places.release()

    async def _serve(self, session: AgiSession, request: AgiRequest, route: Route) -> None:
        """The route, within the budget from now (the session has its place)."""
        deadline = asyncio.get_running_loop().time() + self.budget
        try:
            async with asyncio.timeout_at(deadline):
                await route(session, request, deadline, self.spawn)
        except TimeoutError:
            self.stats.overran += 1
            quiet.warning(
                "overran", "FastAGI %s: route %r cut at the budget", request.channel, request.route
            )
        except AgiProtocolError as exc:
            self.stats.protocol_errors += 1
            quiet.warning("protocol", "FastAGI %s: %s", request.channel, exc)
        except Exception:
            self.stats.route_errors += 1
            log.exception("FastAGI %s: route %r failed", request.channel, request.route)
        else:
            self.stats.answered += 1
