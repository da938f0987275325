"""The command channel from API-only processes to the bridge: wire format and the client.

An API process that runs no bridge asks the bridge (the only process that talks to Asterisk
and the only writer of calls) to act for it. The pattern is the usual Redis request/reply:

- ``<prefix>:commands`` is a Redis Stream; each entry is one command, field ``c`` = JSON
  ``{"id", "op", "args", "deadline", "attempt"}`` (``deadline``: Unix time after which nobody
  waits for it, so the bridge drops it unperformed; ``attempt``: this sending of it). The
  bridge reads it as consumer group ``bridges``.
- ``<prefix>:commands:reply:<id>`` is a list the bridge LPUSHes its one reply to; the caller
  waits on it with BLPOP until the deadline.
- ``<prefix>:commands:claim:<attempt>`` decides, once, between the bridge and a caller who
  stops waiting: the bridge sets it (``taken``) before it performs, the caller at its deadline
  (``gone``), both with SET NX. A caller who set it gives up (``late``, "not performed") and
  the bridge, reading the command later whatever its own clock says, drops it: a command is
  never performed after its caller was told it failed. A caller who finds it taken waits
  ``grace`` more seconds for the answer (the bridge is performing it).
- ``<prefix>:commands:done:<id>`` is the bridge's idempotency marker: a command whose id was
  seen is not performed again; a retry of a command that succeeded gets the same reply.
- ``<prefix>:bridge`` is the bridge's heartbeat (JSON, with a TTL); no heartbeat means no
  bridge, and the caller is told at once instead of waiting for the deadline.

A reply is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": {...}}``; errors travel
as their class and fields and are raised again in the caller, so an API process answers a PBX
refusal exactly as the bridge's own process would (``PbxRejectedError`` with Asterisk's words).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from callcenter.errors import (
    BridgeTimeoutError,
    BridgeUnavailableError,
    CallcenterError,
    CallNotQualifiableError,
    DispatchError,
    PbxError,
    PbxRejectedError,
    PbxTimeoutError,
    PbxUnavailableError,
    QualificationInvalidError,
)

log = logging.getLogger(__name__)

GROUP = "bridges"


@dataclass(frozen=True)
class BridgeKeys:
    """The Redis names shared by the bridge and the API processes."""

    prefix: str = "callcenter"

    @property
    def commands(self) -> str:
        return f"{self.prefix}:commands"

    @property
    def heartbeat(self) -> str:
        return f"{self.prefix}:bridge"

    @property
    def seats(self) -> str:
        """The seat board snapshot (a string key, and the pub/sub channel of its changes)."""
        return f"{self.prefix}:seats"

    def reply(self, command_id: str) -> str:
        return f"{self.commands}:reply:{command_id}"

    def claim(self, attempt: str) -> str:
        return f"{self.commands}:claim:{attempt}"

    def done(self, command_id: str) -> str:
        return f"{self.commands}:done:{command_id}"


TAKEN = "taken"  # the claim's value when the bridge performs the command
GONE = "gone"  # ... when its caller stopped waiting first
CLAIM_TTL_MS = 600_000


@dataclass(frozen=True)
class Command:
    id: str
    op: str
    args: dict[str, Any]
    deadline: float  # Unix time
    attempt: str = ""  # this sending of the command (the claim's key); "" = the id

    @property
    def claim_id(self) -> str:
        return self.attempt or self.id

    def encode(self) -> str:
        body = {
            "id": self.id,
            "op": self.op,
            "args": self.args,
            "deadline": self.deadline,
            "attempt": self.claim_id,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Command:
        """Raises ``ValueError`` for an entry that is not a command."""
        try:
            data = json.loads(text)
            command = cls(
                id=str(data["id"]),
                op=str(data["op"]),
                args=dict(data["args"]),
                deadline=float(data["deadline"]),
                attempt=str(data.get("attempt") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a command: {exc!r}") from exc
        return command


# Errors rebuilt from their message alone; the others carry fields (see encode_error).
_BY_MESSAGE: dict[str, type[CallcenterError]] = {
    cls.__name__: cls
    for cls in (
        CallcenterError,
        PbxError,
        PbxTimeoutError,
        PbxUnavailableError,
        DispatchError,
        BridgeUnavailableError,
        BridgeTimeoutError,
    )
}


class RemoteCommandError(RuntimeError):
    """The bridge failed on something that is not a refusal (a bug or a crash): HTTP 500."""


def encode_error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, PbxRejectedError):
        return {"type": "PbxRejectedError", "action": exc.action, "message": exc.message}
    if isinstance(exc, QualificationInvalidError):
        return {"type": "QualificationInvalidError", "errors": exc.errors}
    if isinstance(exc, CallNotQualifiableError):
        return {"type": "CallNotQualifiableError", "call_id": exc.call_id, "state": exc.state}
    if isinstance(exc, CallcenterError):
        # The nearest class the caller can rebuild keeps the HTTP status (mapped by class).
        name = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in _BY_MESSAGE)
        return {"type": name, "message": str(exc)}
    return {"type": "internal", "message": f"{type(exc).__name__}: {exc}"}


def decode_error(data: dict[str, Any]) -> Exception:
    kind = data.get("type")
    if kind == "PbxRejectedError":
        return PbxRejectedError(str(data["action"]), str(data["message"]))
    if kind == "QualificationInvalidError":
        return QualificationInvalidError(dict(data["errors"]))
    if kind == "CallNotQualifiableError":
        return CallNotQualifiableError(str(data["call_id"]), data.get("state"))
    cls = _BY_MESSAGE.get(str(kind))
    if cls is not None:
        return cls(str(data.get("message", "")))
    return RemoteCommandError(f"the bridge failed: {data.get('message', data)}")


def ok_reply(result: Any) -> str:
    return json.dumps({"ok": True, "result": result}, separators=(",", ":"))


def error_reply(exc: BaseException) -> str:
    return json.dumps({"ok": False, "error": encode_error(exc)}, separators=(",", ":"))


def read_reply(text: str | bytes) -> Any:
    """The command's result, or its error raised again."""
    data = json.loads(text)
    if data.get("ok"):
        return data.get("result")
    raise decode_error(data.get("error") or {})


@dataclass
class ClientStats:
    sent: int = 0
    failed: int = 0  # the bridge answered with an error
    timeouts: int = 0
    unavailable: int = 0
    late_answers: int = 0  # taken by the bridge before the deadline, answered after it


@dataclass
class CommandClient:
    """Sends commands and waits for their replies. ``redis`` must not time out a blocking read
    before ``timeout`` (``callcenter.messaging.connection.connect(block_seconds=timeout)``;
    ``retries=1`` gets over the dead connections a Redis restart leaves in the pool); every
    call is bounded by its own deadline anyway."""

    redis: Redis
    keys: BridgeKeys
    timeout: float = 8.0
    grace: float = 5.0  # more waiting for a command the bridge took before the deadline
    maxlen: int = 10_000
    stats: ClientStats = field(default_factory=ClientStats)

    async def call(
        self,
        op: str,
        args: dict[str, Any],
        *,
        request_id: str | None = None,
        unavailable: type[CallcenterError] = BridgeUnavailableError,
        late: type[CallcenterError] = BridgeTimeoutError,
    ) -> Any:
        """Perform ``op`` on the bridge. ``request_id``: the command's identity (a retry with
        the same id is performed once); ``unavailable``/``late``: what to raise when no bridge
        runs / it did not answer in time (the PBX adapter raises the PBX's own errors).

        ``late`` with "not performed" means exactly that: the bridge will never perform this
        sending of the command. Only if the bridge took it before the deadline and did not
        answer within ``grace`` more seconds is ``late`` unsure ("may have been performed")."""
        wait = self.timeout
        command = Command(
            id=request_id or uuid.uuid4().hex,
            op=op,
            args=args,
            deadline=time.time() + wait,
            attempt=uuid.uuid4().hex,
        )
        self.stats.sent += 1
        try:
            # The hard stop: even a Redis that accepts the connection and then says nothing.
            async with asyncio.timeout(wait + 1.0):
                if not await self.redis.exists(self.keys.heartbeat):
                    self.stats.unavailable += 1
                    raise unavailable(f"{op}: no bridge is running (no heartbeat in Redis)")
                await self._send(command)
                left = max(command.deadline - time.time(), 0.01)  # BLPOP 0 would wait forever
                popped = await self.redis.blpop([self.keys.reply(command.id)], timeout=left)
        except TimeoutError:
            popped = None
        except RedisError as exc:
            self.stats.unavailable += 1
            raise unavailable(f"{op}: Redis is unavailable ({exc})") from exc
        if popped is None:
            popped = await self._after_deadline(command, late)
        try:
            return read_reply(popped[1])
        except Exception:
            self.stats.failed += 1
            raise

    async def _after_deadline(self, command: Command, late: type[CallcenterError]) -> Any:
        """No answer by the deadline: give the command up, unless the bridge already took it
        (then wait ``grace`` more for its answer). Returns the answer or raises ``late``."""
        op, wait = command.op, self.timeout
        self.stats.timeouts += 1
        try:
            async with asyncio.timeout(self.grace + 1.0):
                if await self._give_up(command):
                    raise late(f"{op}: the bridge did not answer within {wait:g} s (not performed)")
                popped = await self.redis.blpop([self.keys.reply(command.id)], timeout=self.grace)
        except (RedisError, TimeoutError):
            popped = None
        if popped is None:
            raise late(
                f"{op}: the bridge took it but did not answer within {wait + self.grace:g} s "
                "(it may have been performed)"
            )
        self.stats.late_answers += 1
        return popped

    async def _give_up(self, command: Command) -> bool:
        """True if this sending is now given up (the bridge will drop it), False if the bridge
        took it first."""
        key = self.keys.claim(command.claim_id)
        if await self.redis.set(key, GONE, nx=True, px=CLAIM_TTL_MS):
            return True
        # Set already: by the bridge, or by our own first try on a connection that died.
        return bool(await self.redis.get(key) == GONE)

    async def _send(self, command: Command) -> None:
        # A client built with retries may send it twice (a connection lost after the XADD):
        # the bridge performs one id once.
        fields: dict[Any, Any] = {"c": command.encode()}
        await self.redis.xadd(self.keys.commands, fields, maxlen=self.maxlen)
