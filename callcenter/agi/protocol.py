"""The FastAGI wire protocol, as a real Asterisk 20 speaks it (tests/fixtures/fastagi-env.txt).

Why our own and not ``panoramisk.fast_agi`` or pyst2 (shared/LIBRARIES.md): panoramisk 1.4's
header loop spins forever when Asterisk closes before the blank line, a multi-line ``520-``
reply or an unsolicited ``HANGUP`` line desynchronises every later reply, and a query string in
the AGI URL breaks its routing; pyst2's ``fastagi`` is Python 2 code and its ``AGI`` class is
blocking stdin/stdout AGI. This module is small and owns exactly those cases:

- lines end in a bare ``\\n`` (a stray ``\\r`` is tolerated), bytes are decoded per whole line as
  UTF-8 with replacement, so a caller name is never lost and never raises;
- the ``agi_*`` environment ends with a blank line; EOF, an over-long line, too many lines or a
  stalled peer end the read with ``AgiProtocolError`` (never a spin);
- a reply is ``200 result=N (data)``, a one-line error (``510``, ``511``...), or a ``520-`` block
  whose middle lines have no code, ending ``520 End of proper usage.``;
- ``HANGUP`` may arrive unsolicited at any time: it is remembered on the session
  (``hung_up``) and skipped, so the next line is still read as the reply.

Every read has a deadline given by the caller: nothing here waits without one.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

MAX_ENV_LINES = 128
MAX_USAGE_LINES = 64
LINE_LIMIT = 8192  # StreamReader limit: a longer line is a protocol error, not a memory hog

_REPLY = re.compile(r"^(\d{3})(?:[ -](.*))?$")
_RESULT = re.compile(r"^result=(-?\d+)(?:\s+\((.*)\))?(?:\s+(.*))?$")


class AgiProtocolError(Exception):
    """The peer broke the protocol or went away (EOF, bad line, too long, too slow)."""


class AgiHangupError(AgiProtocolError):
    """Asterisk answered 511: the channel is dead (the caller hung up)."""


@dataclass(frozen=True)
class AgiReply:
    code: int
    result: int | None = None
    data: str | None = None  # the part in parentheses: a variable's value
    extra: str = ""  # anything after it (``endpos=...``)
    text: str = ""  # the message of an error reply, or the usage text of a 520 block

    @property
    def ok(self) -> bool:
        return self.code == 200

    def value(self) -> str | None:
        """A GET VARIABLE answer: the value if set (``result=1``), else None."""
        return self.data if self.ok and self.result == 1 else None


@dataclass(frozen=True)
class AgiRequest:
    """The ``agi_*`` environment of one session, and the route it asks for."""

    env: dict[str, str]
    route: str
    query: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()

    def get(self, key: str, default: str = "") -> str:
        return self.env.get(key, default)

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")


def parse_route(script: str) -> tuple[str, dict[str, str]]:
    """``qualify?x=1`` (or ``/qualify/``, or a full URL) -> ``("qualify", {"x": "1"})``."""
    parts = urlsplit(script.strip())
    path = parts.path.strip("/")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return path, query


def parse_reply_line(line: str) -> tuple[int, str, bool]:
    """A reply's first line -> (code, rest, continues): ``520-`` continues, ``520 `` does not."""
    match = _REPLY.match(line)
    if match is None:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code = int(match.group(1))
    continues = len(line) > 3 and line[3] == "-"
    return code, match.group(2) or "", continues


def build_reply(code: int, rest: str, usage: str = "") -> AgiReply:
    if code != 200:
        return AgiReply(code=code, text=usage or rest)
    match = _RESULT.match(rest)
    if match is None:
        raise AgiProtocolError(f"200 without result: {rest[:80]!r}")
    return AgiReply(
        code=code, result=int(match.group(1)), data=match.group(2), extra=match.group(3) or ""
    )


def quote(value: str) -> str:
    """An AGI command argument: double-quoted, with quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AgiSession:
    """One FastAGI connection: read the environment, send commands, read their replies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.hung_up = False  # Asterisk sent the unsolicited HANGUP line
        self.sent: list[str] = []

    async def read_request(self) -> AgiRequest:
        """Read the ``agi_*`` lines up to the blank line. Bounded in lines, not in time:
        the caller wraps it in a deadline."""
        env: dict[str, str] = {}
        for _ in range(MAX_ENV_LINES):
            line = await self._readline()
            if line == "":
                script = env.get("agi_network_script") or _script_of(env.get("agi_request", ""))
                route, query = parse_route(script)
                args = tuple(env[f"agi_arg_{i}"] for i in range(1, 64) if f"agi_arg_{i}" in env)
                return AgiRequest(env=env, route=route, query=query, args=args)
            key, sep, value = line.partition(":")
            if not sep:
                raise AgiProtocolError(f"environment line without ':': {line[:80]!r}")
            env[key.strip()] = value[1:] if value.startswith(" ") else value
        raise AgiProtocolError(f"environment longer than {MAX_ENV_LINES} lines")

    async def command(self, text: str) -> AgiReply:
        """Send one command line and read its reply (skipping an unsolicited HANGUP)."""
        if "\n" in text or "\r" in text:
            raise ValueError("an AGI command is one line")
        self.sent.append(text)
        try:
            self.writer.write(text.encode() + b"\n")
            await self.writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise AgiProtocolError(f"connection lost while sending: {exc}") from exc
        return await self.read_reply()

    async def read_reply(self) -> AgiReply:
        line = await self._readline()
        while line == "HANGUP":
            self.hung_up = True
            line = await self._readline()
        code, rest, continues = parse_reply_line(line)
        usage: list[str] = []
        if continues:
            usage.append(rest)
            for _ in range(MAX_USAGE_LINES):
                line = await self._readline()
                if line.startswith(f"{code} "):
                    break
                usage.append(line)
            else:
                raise AgiProtocolError(f"{code}- block longer than {MAX_USAGE_LINES} lines")
        reply = build_reply(code, rest, "\n".join(usage))
        if code == 511:
            self.hung_up = True
        return reply

    async def set_variable(self, name: str, value: str) -> AgiReply:
        reply = await self.command(f"SET VARIABLE {name} {quote(value)}")
        if reply.code == 511:
            raise AgiHangupError(reply.text)
        return reply

    async def set_variables(self, pairs: list[tuple[str, str]]) -> AgiReply:
        """Several variables in one round trip: ``EXEC MSet "A=1,B=2"``. Values must not
        contain commas (MSet's separator) and are the server's own, never a caller's text."""
        for name, value in pairs:
            if "," in value or "," in name or "=" in name:
                raise ValueError(f"cannot MSet {name}={value!r}")
        reply = await self.command("EXEC MSet " + quote(",".join(f"{n}={v}" for n, v in pairs)))
        if reply.code == 511:
            raise AgiHangupError(reply.text)
        return reply

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command(f"GET VARIABLE {name}")
        return reply.value()

    async def close(self) -> None:
        """Close the socket: for Asterisk this ends the AGI and the dialplan continues."""
        if self.writer.is_closing():
            return
        self.writer.close()
        try:
            async with asyncio.timeout(1.0):
                await self.writer.wait_closed()
        except (TimeoutError, ConnectionError):
            pass

    async def _readline(self) -> str:
        try:
            raw = await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raise AgiProtocolError("peer closed the connection") from exc
        except asyncio.LimitOverrunError as exc:
            raise AgiProtocolError(f"line longer than {LINE_LIMIT} bytes") from exc
        except ConnectionError as exc:
            raise AgiProtocolError(f"connection lost: {exc}") from exc
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _script_of(request: str) -> str:
    """``agi://host:4573/qualify?x=1`` -> ``qualify?x=1`` (when agi_network_script is absent).
    An unreadable URL (``agi://[host/...``: urlsplit raises ValueError) is a protocol error."""
    try:
        parts = urlsplit(request)
    except ValueError as exc:
        raise AgiProtocolError(f"unreadable agi_request {request[:80]!r}: {exc}") from exc
    return parts.path + (f"?{parts.query}" if parts.query else "")
