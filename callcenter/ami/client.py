"""The AMI client: one supervised connection to Asterisk through panoramisk's ``Manager``.

``run()`` connects, logs in with ``Events: on``, resyncs (QueueStatus + CoreShowChannels: the
bridge reconciles when the lists complete), keeps the link alive with a Ping whose answer is
awaited (a peer that stops answering is dropped), and reconnects until ``close()``: every
quarter second while the port refuses connections (logged in within that of Asterisk
accepting), with an exponential backoff after a refused login or any other failure
(``callcenter.ami.backoff``); the same failure is logged once every ``QUIET_SECONDS``.
Every frame goes, in arrival order, to the bridge's synchronous ``on_frame``. Every action
has a deadline and returns Asterisk's response or raises a ``PbxError``:
``PbxUnavailableError`` when not logged in or the link drops before the answer (actions are
never re-sent after a reconnect), ``PbxTimeoutError``, ``PbxRejectedError`` with Asterisk's
own message; ``AmiLoginError`` when Asterisk refuses the login; ``UnsafeActionError`` (nothing
sent) when a header name or value holds a CR, LF or NUL, whoever built the action: AMI frames
end at line breaks, so such a value would inject headers or whole actions of the caller's
choosing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from panoramisk.actions import Action
from panoramisk.manager import Manager
from panoramisk.message import Message

from callcenter.ami.backoff import Backoff, Failure
from callcenter.ami.bridge import Bridge
from callcenter.ami.compat import BridgeProtocol
from callcenter.ami.translate import is_noise
from callcenter.errors import (
    PbxRejectedError,
    PbxTimeoutError,
    PbxUnavailableError,
    UnsafeActionError,
)
from callcenter.settings import AmiSettings

log = logging.getLogger(__name__)

_FRAMING = ("\r", "\n", "\x00")
QUIET_SECONDS = 30.0


def check_framing(fields: dict[str, Any]) -> None:
    """Raise ``UnsafeActionError`` if a header name or value would break the AMI framing."""
    name = str(fields.get("Action", "?")).encode("unicode_escape").decode("ascii")
    for key, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]  # one header each
        texts = [(str(key), "header name")] + [(str(v), f"header {key!r}") for v in values]
        for text, what in texts:
            bad = next((c for c in _FRAMING if c in text), None)
            if bad is not None:
                kind = "a NUL" if bad == "\x00" else "a line break"
                raise UnsafeActionError(f"{name}: {what} holds {kind} (not sent)")


class AmiLoginError(PbxRejectedError):
    """Asterisk refused the login (``Authentication failed``, ``Permission denied``)."""


def _failure(exc: Exception) -> Failure:
    if isinstance(exc, AmiLoginError):
        return Failure.LOGIN
    if isinstance(exc.__cause__, ConnectionRefusedError):
        return Failure.REFUSED  # nothing listens on the port (yet)
    return Failure.OTHER


@dataclass
class ClientStats:
    connects: int = 0
    reconnects: int = 0
    login_failures: int = 0
    ping_timeouts: int = 0
    actions: int = 0
    action_errors: int = 0
    unmatched_responses: int = 0
    callback_errors: int = 0
    parser_rejected: int = 0
    bad_utf8: int = 0  # frames kept with replaced bytes, on connections already closed


class AmiClient:
    def __init__(
        self,
        settings: AmiSettings,
        bridge: Bridge,
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        backoff_refused: float = 0.25,
        connect_timeout: float = 5.0,
    ) -> None:
        self.settings = settings
        self.bridge = bridge
        self.backoff = Backoff(
            refused=backoff_refused,
            initial=backoff_initial,
            login_initial=max(backoff_initial, 1.0),
            maximum=backoff_max,
        )
        self.connect_timeout = connect_timeout
        self.stats = ClientStats()
        self.manager = Manager(
            host=settings.host,
            port=settings.port,
            username=settings.username,
            secret=settings.secret.get_secret_value(),
            encoding="utf8",
        )
        self.protocol: BridgeProtocol | None = None
        self.logged_in = asyncio.Event()
        self.last_error: Exception | None = None
        self._closing = False
        self._closed = asyncio.Event()
        self._resync_wanted = asyncio.Event()
        self._boots = 0
        self._logged: tuple[str, float] = ("", 0.0)  # the last failure logged, and when
        bridge.on_booted = self._booted

    # -- the connection ---------------------------------------------------------------

    async def run(self) -> None:
        """Stay connected until ``close()``; reconnect after any failure (see module doc)."""
        while not self._closing:
            failure = Failure.OTHER  # a session that ended: dropped, ping unanswered
            try:
                await self.connect_once()
                self.backoff.reset()
                self._logged = ("", 0.0)
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = exc
                failure = _failure(exc)
                self._log_failure(exc)
            finally:
                self._disconnected()
            if self._closing:
                break
            self.stats.reconnects += 1
            with contextlib.suppress(TimeoutError):  # cut short by close()
                await asyncio.wait_for(self._closed.wait(), self.backoff.next(failure))

    def _log_failure(self, exc: Exception) -> None:
        text, at = str(exc), time.monotonic()
        if text != self._logged[0] or at - self._logged[1] >= QUIET_SECONDS:
            self._logged = (text, at)
            log.warning("AMI %s:%s: %s", self.settings.host, self.settings.port, exc)

    async def connect_once(self) -> None:
        """Open the TCP connection and log in; raises ``AmiLoginError`` if refused."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _transport, protocol = await loop.create_connection(
                    lambda: BridgeProtocol(self.bridge.on_frame, noise=is_noise),
                    self.settings.host,
                    self.settings.port,
                )
        except (OSError, TimeoutError) as exc:
            raise PbxUnavailableError(f"cannot reach AMI: {exc}") from exc
        self.protocol = protocol
        self._boots = 0
        self.stats.connects += 1
        protocol.factory = self.manager
        protocol.encoding = "utf8"
        self.manager.protocol = protocol
        self.manager.responses = protocol.responses
        response = await self._send(
            {
                "Action": "Login",
                "Username": self.settings.username,
                "Secret": self.settings.secret.get_secret_value(),
                "Events": "on",
            },
            check=False,
        )
        if not isinstance(response, Message) or not response.success:
            self.stats.login_failures += 1
            message = response.message if isinstance(response, Message) else "no answer"
            protocol.close()
            raise AmiLoginError("Login", message)
        self.logged_in.set()
        log.info("AMI logged in to %s:%s", self.settings.host, self.settings.port)

    def _booted(self) -> None:
        # The first FullyBooted of a connection follows the login (already resyncing); a
        # later one means Asterisk (re)started under us.
        self._boots += 1
        if self._boots > 1:
            self._resync_wanted.set()

    async def _session(self) -> None:
        protocol = self.protocol
        assert protocol is not None
        await self.resync()
        while not protocol.lost.done():
            wanted: asyncio.Future[Any] = asyncio.ensure_future(self._resync_wanted.wait())
            waiting: list[asyncio.Future[Any]] = [protocol.lost, wanted]
            try:
                await asyncio.wait(
                    waiting,
                    timeout=self.settings.ping_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                wanted.cancel()
            if protocol.lost.done():
                break
            if self._resync_wanted.is_set():
                await self.resync()
                continue
            try:
                await self._send({"Action": "Ping"})
            except PbxTimeoutError:
                self.stats.ping_timeouts += 1
                log.warning("AMI ping unanswered: dropping the connection")
                protocol.transport.abort()
                break

    async def resync(self) -> None:
        """Ask for the snapshot; the bridge reconciles as the lists complete, in stream order."""
        self._resync_wanted.clear()
        await asyncio.gather(
            self._send({"Action": "QueueStatus"}, as_list=True),
            self._send({"Action": "CoreShowChannels"}, as_list=True),
        )

    def _disconnected(self) -> None:
        was = self.logged_in.is_set()
        self.logged_in.clear()
        protocol, self.protocol = self.protocol, None
        if protocol is not None:
            self.stats.unmatched_responses += protocol.unmatched
            self.stats.callback_errors += protocol.callback_errors
            self.stats.parser_rejected += protocol.parser.stats.rejected
            self.stats.bad_utf8 += protocol.parser.stats.bad_utf8
            protocol.close()
        self.manager.awaiting_actions.clear()  # never replay actions after a reconnect
        if was:
            self.bridge.disconnected(datetime.now(UTC))

    async def close(self) -> None:
        """Log off (best effort) and stop reconnecting."""
        self._closing = True
        self._closed.set()
        if self.logged_in.is_set():
            with contextlib.suppress(Exception):
                await self._send({"Action": "Logoff"}, deadline=1.0, check=False)
        if self.protocol is not None:
            self.protocol.close()

    # -- actions ------------------------------------------------------------------------

    async def action(
        self, fields: dict[str, Any], *, deadline: float | None = None, as_list: bool = False
    ) -> Message | list[Message]:
        """Send an action once (never replayed); Asterisk's answer or a ``PbxError``."""
        if not self.logged_in.is_set():
            raise PbxUnavailableError(f"{fields.get('Action')}: not connected to Asterisk")
        return await self._send(fields, deadline=deadline, as_list=as_list)

    async def _send(
        self,
        fields: dict[str, Any],
        *,
        deadline: float | None = None,
        as_list: bool = False,
        check: bool = True,
    ) -> Message | list[Message]:
        protocol = self.protocol
        name = str(fields.get("Action", "?"))
        check_framing(fields)
        if protocol is None or protocol.closed:
            raise PbxUnavailableError(f"{name}: not connected to Asterisk")
        self.stats.actions += 1
        action = Action(dict(fields), as_list=as_list)
        future = protocol.send(action, as_list=as_list)
        try:
            async with asyncio.timeout(deadline or self.settings.action_timeout):
                result: Message | list[Message] = await asyncio.shield(future)
        except TimeoutError:
            self.stats.action_errors += 1
            protocol.responses.pop(action.id, None)
            future.cancel()
            raise PbxTimeoutError(f"{name}: no answer from Asterisk in time") from None
        first = result[0] if isinstance(result, list) else result
        if check and not first.success:
            self.stats.action_errors += 1
            raise PbxRejectedError(name, str(first.message))
        return result
