"""The AMI TCP server of the simulated Asterisk (asyncio protocol; framing in ``frames.py``).

Per connection: the banner line, then actions. Before Login only Login (and Logoff) are
accepted: anything else gets ``Permission denied`` and the connection stays open. A bad
secret gets ``Authentication failed`` and the socket is closed. A good Login answers
``Authentication accepted``, then ``FullyBooted`` and ``SuccessfulAuth``; with ``Events: on``
(default) or an event-class list the session receives live events from then on. Replies and
live events go through the same ordered transport, so a list reply is never interleaved.
``drop_all()`` aborts every connection without a Logoff (a network failure, for tests). A
client that stops reading is disconnected once ``max_buffer`` bytes wait for it, as Asterisk's
``writetimeout`` does, so one stuck client never grows the simulator's memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from callcenter.sim import ami_actions
from callcenter.sim.engine import Simulator
from callcenter.sim.frames import (
    BANNER,
    Action,
    ActionParser,
    FramingError,
    encode,
    error,
    response,
)

log = logging.getLogger(__name__)


def _mask(value: str) -> set[str] | None:
    """``None`` = every event; an empty set = none."""
    value = value.strip().lower()
    if value in ("on", "yes", "true", "all", ""):
        return None
    if value in ("off", "no", "false", "none"):
        return set()
    return {part.strip() for part in value.split(",") if part.strip()}


class AmiSession(asyncio.Protocol):
    def __init__(self, server: AmiServer) -> None:
        self.server = server
        self.parser = ActionParser()
        self.transport: asyncio.Transport | None = None
        self.authenticated = False
        self.mask: set[str] | None = set()
        self.peer = ("", 0)
        self.held: list[bytes] | None = None  # events raised by our own action: after the reply

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername") or ("", 0)
        self.server.sessions.add(self)
        transport.write(BANNER)

    def connection_lost(self, exc: Exception | None) -> None:
        self._unsubscribe()
        self.server.sessions.discard(self)

    def data_received(self, data: bytes) -> None:
        try:
            actions = self.parser.feed(data)
        except FramingError as exc:
            log.warning("AMI client %s sent a bad frame: %s", self.peer, exc)
            self.server.rejected += 1
            self.close()
            return
        for action in actions:
            if self.transport is None or self.transport.is_closing():
                return
            try:
                self.handle(action)
            except Exception:
                # a simulator bug must not take the connection (or the PBX) down
                log.exception("AMI action %r failed", action.name)
                self.server.rejected += 1
                self.held = None
                self.write(error(action.action_id, "Internal error"))

    # events
    def on_event(self, name: str, privilege: str, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self.mask is None or privilege in self.mask:
            if self.held is not None:
                self.held.append(data)
                return
            self.transport.write(data)
            if self.transport.get_write_buffer_size() > self.server.max_buffer:
                # Asterisk drops a client that does not read (writetimeout); so do we
                log.warning("AMI client %s does not read: disconnected", self.peer)
                self.server.slow_drops += 1
                self.transport.abort()

    def _subscribe(self) -> None:
        if self.on_event not in self.server.sim.stream.listeners:
            self.server.sim.stream.listeners.append(self.on_event)

    def _unsubscribe(self) -> None:
        listeners = self.server.sim.stream.listeners
        if self.on_event in listeners:
            listeners.remove(self.on_event)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # actions
    def handle(self, action: Action) -> None:
        name = action.name.lower()
        aid = action.action_id
        if name == "login":
            self.login(action)
            return
        if name == "logoff":
            self.write(response(aid, "Goodbye", [("Message", "Thanks for all the fish.")]))
            self.close()
            return
        if not self.authenticated:
            self.write(error(aid, "Permission denied"))
            return
        sim = self.server.sim
        sim.clock_sync()
        if name == "ping":
            stamp = f"{sim.scheduler.wall():.6f}"
            self.write(response(aid, "Success", [("Ping", "Pong"), ("Timestamp", stamp)]))
        elif name == "events":
            self.mask = _mask(action.get("EventMask"))
            word = "Off" if self.mask == set() else "On"
            self.write(response(aid, "Success", [("Events", word)]))
            self._subscribe()
        else:
            # Asterisk answers an action before the events it causes (QueueMemberPause...)
            self.held = []
            try:
                reply = ami_actions.handle(sim, action)
            finally:
                held, self.held = self.held, None
            self.write(reply + b"".join(held))

    def login(self, action: Action) -> None:
        aid = action.action_id
        user, secret = action.get("Username"), action.get("Secret")
        if self.server.credentials.get(user) != secret or not user:
            self.server.failed_logins += 1
            self.write(error(aid, "Authentication failed"))
            self.close()
            return
        self.authenticated = True
        self.mask = _mask(action.get("Events", "on"))
        self.write(response(aid, "Success", [("Message", "Authentication accepted")]))
        sim = self.server.sim
        uptime = str(int(sim.now))
        if self.mask is not None and "system" not in self.mask:
            self._subscribe()
            return
        self.write(
            encode(
                [
                    ("Event", "FullyBooted"),
                    ("Privilege", "system,all"),
                    ("Uptime", uptime),
                    ("LastReload", uptime),
                    ("Status", "Fully Booted"),
                ]
            )
        )
        if self.mask is None or "security" in self.mask:
            self.write(self._successful_auth(user))
        self._subscribe()

    def _successful_auth(self, user: str) -> bytes:
        sim = self.server.sim
        tv = datetime.fromtimestamp(sim.scheduler.wall(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        tv = tv[:-3] + "+0000"
        head = [("Event", "SuccessfulAuth"), ("Privilege", "security,all")]
        if sim.options.timestamps:
            head.append(("Timestamp", f"{sim.scheduler.wall():.6f}"))
        host, port = self.peer[0], self.peer[1]
        local = self.server.address
        head += [
            ("EventTV", tv),
            ("Severity", "Informational"),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            ("AccountID", user),
            ("SessionID", f"0x{id(self):x}"),
            ("LocalAddress", f"IPV4/TCP/{local[0]}/{local[1]}"),
            ("RemoteAddress", f"IPV4/TCP/{host}/{port}"),
            ("UsingPassword", "0"),
            ("SessionTV", tv),
        ]
        return encode(head)


class AmiServer:
    """``await start()``, then ``address`` holds the bound (host, port); ``await stop()``."""

    def __init__(
        self,
        sim: Simulator,
        credentials: Mapping[str, str],
        host: str = "127.0.0.1",
        port: int = 5038,
        *,
        max_buffer: int = 16 * 1024 * 1024,
    ) -> None:
        self.sim = sim
        self.credentials = dict(credentials)
        self.host, self.port = host, port
        self.sessions: set[AmiSession] = set()
        self.failed_logins = 0
        self.rejected = 0
        self.max_buffer = max_buffer  # bytes queued for a client that does not read
        self.slow_drops = 0
        self._server: asyncio.Server | None = None
        self.address: tuple[str, int] = (host, port)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: AmiSession(self), self.host, self.port, reuse_address=True
        )
        sock = self._server.sockets[0].getsockname()
        self.address = (sock[0], sock[1])

    def drop_all(self) -> int:
        """Abort every AMI connection (no Logoff, no Goodbye); returns how many."""
        sessions = list(self.sessions)
        for session in sessions:
            if session.transport is not None:
                session.transport.abort()
        return len(sessions)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self.drop_all()
            async with asyncio.timeout(5):
                await self._server.wait_closed()
            self._server = None
