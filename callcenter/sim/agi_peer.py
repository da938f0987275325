"""Asterisk's side of a FastAGI session, the one peer: for the simulator, the tests and the bench.

``answer(command, channel, hung_up)`` is what Asterisk 20's res_agi replies to one command line
on a channel (``AgiChannel``: its variables and the script's hang-up), as one table:
``GET VARIABLE`` -> ``200 result=1 (value)`` or ``200 result=0``; ``GET FULL VARIABLE``
(``${...}`` expanded); ``SET VARIABLE name value`` -> ``200 result=1`` (exactly one value, or
the multi-line ``520-`` usage); ``EXEC MSet a=1,b=2`` sets them (``200 result=0``), other
``EXEC`` and media commands ``200 result=0``; ``VERBOSE`` ``200 result=1``; ``ANSWER`` and
``NOOP`` ``200 result=0``; ``CHANNEL STATUS`` ``200 result=6`` (up); ``HANGUP`` ``200 result=1``
and the channel hangs up; anything else ``510``. Arguments are split as res_agi does (double
quotes and backslashes; a quoted name is the name). After the caller hangs up (the unsolicited
``HANGUP`` line) the commands res_agi refuses on a dead channel answer ``511``.

The simulator's ``AgiClient`` (``sim/agi.py``) plays it at call entry; ``play`` plays one
session with a recorded environment (``environment``, ``split_sessions``) for tests and
benchmarks, and returns when the server closes the connection (how the AGI ends for Asterisk).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shlex
import time
from dataclasses import dataclass, field
from typing import Protocol

# Commands res_agi allows on a dead channel (the others answer 511).
DEAD_OK = ("GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP", "EXEC")
DEAD = "511 Command Not Permitted on a dead channel or intercept routine\n"
USAGE_520 = {
    "SET VARIABLE": ["Sets a variable to the current channel."],
    "GET FULL VARIABLE": [
        "Evaluates the given expression against the channel specified by channelname, or the "
        "current channel if channelname is not provided.",
    ],
    "GET VARIABLE": ["Returns 0 if variableName is not set. Returns 1 if variableName is set."],
}
MEDIA = ("STREAM FILE", "SAY ", "WAIT FOR DIGIT", "GET DATA", "DATABASE ")


class AgiChannel(Protocol):
    """The channel a session runs on, as the commands see it."""

    def lookup(self, name: str) -> str | None:
        """A variable or a dialplan function (``CALLERID(num)``), None if unset."""
        ...

    def set(self, name: str, value: str) -> None: ...

    def hang_up(self) -> None:
        """The script asked for ``HANGUP``."""
        ...


@dataclass
class Variables:
    """An ``AgiChannel`` that is only its variables (``play``)."""

    values: dict[str, str] = field(default_factory=dict)
    hung_up_by_script: bool = False

    def lookup(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def hang_up(self) -> None:
        self.hung_up_by_script = True


def usage(command: str) -> str:
    middle = "".join(f"{line}\n" for line in USAGE_520.get(command, []))
    return f"520-Invalid command syntax.  Proper usage follows:\n{middle}520 End of proper usage.\n"


def expand(channel: AgiChannel, expression: str) -> str:
    return re.sub(r"\$\{([^}]+)\}", lambda m: channel.lookup(m.group(1)) or "", expression)


def answer(command: str, channel: AgiChannel, hung_up: bool) -> str:
    """The reply line(s) Asterisk gives to one AGI command line (without its line end)."""
    try:
        words = shlex.split(command)
    except ValueError:  # an unbalanced quote: res_agi reads to the end of the line
        words = command.split()
    upper = " ".join(words[:3]).upper()
    if hung_up and not upper.startswith(DEAD_OK):
        return DEAD
    if upper.startswith("SET VARIABLE"):
        if len(words) != 4:
            return usage("SET VARIABLE")
        channel.set(words[2], words[3])
        return "200 result=1\n"
    if upper.startswith("GET FULL VARIABLE"):
        if len(words) not in (4, 5):  # the expression, and an optional channel name
            return usage("GET FULL VARIABLE")
        return f"200 result=1 ({expand(channel, words[3])})\n"
    if upper.startswith("GET VARIABLE"):
        if len(words) != 3:
            return usage("GET VARIABLE")
        value = channel.lookup(words[2])
        return "200 result=0\n" if value is None else f"200 result=1 ({value})\n"
    if upper.startswith("EXEC MSET"):  # the MSet application: name=value,name=value
        for pair in (words[2] if len(words) > 2 else "").split(","):
            name, _, value = pair.partition("=")
            if name:
                channel.set(name, value)
        return "200 result=0\n"
    if upper.startswith("VERBOSE"):
        return "200 result=1\n"
    if upper.startswith("CHANNEL STATUS"):
        return "200 result=6\n"
    if upper == "HANGUP" or upper.startswith("HANGUP "):
        channel.hang_up()
        return "200 result=1\n"
    if upper in ("NOOP", "ANSWER") or upper.startswith(("EXEC", "NOOP ", *MEDIA)):
        return "200 result=0\n"
    return "510 Invalid or unknown command\n"


@dataclass
class PeerResult:
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    answer_seconds: float = 0.0  # from the end of the environment to the server's close
    closed_by_server: bool = False


def environment(template: bytes, **values: str) -> bytes:
    """``template`` (one recorded environment, blank line included) with some ``agi_*`` lines
    replaced: ``environment(raw, agi_uniqueid="1.2", agi_callerid="0612345678")``."""
    lines = template.split(b"\n")
    for key, value in values.items():
        prefix = key.encode() + b":"
        for i, line in enumerate(lines):
            if line.startswith(prefix):
                lines[i] = prefix + b" " + value.encode()
                break
        else:
            raise KeyError(f"{key} is not in the environment")
    return b"\n".join(lines)


def split_sessions(raw: bytes) -> list[bytes]:
    """The environments (each ending with its blank line) found in a recording of what
    Asterisk sent, in order."""
    envs = []
    start = raw.find(b"agi_network:")
    while start != -1:
        end = raw.index(b"\n\n", start) + 2
        envs.append(raw[start:end])
        start = raw.find(b"agi_network:", end)
    return envs


async def play(
    host: str,
    port: int,
    env: bytes,
    *,
    variables: dict[str, str] | None = None,
    hangup_after_env: bool = False,
    hangup_after_commands: int | None = None,
    disconnect_after_commands: int | None = None,
    limit: float = 5.0,
) -> PeerResult:
    """Play one session against the server at ``host:port``."""
    result = PeerResult(variables=dict(variables or {}))
    channel = Variables(result.variables)
    async with asyncio.timeout(limit):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(env)
            hung_up = hangup_after_env
            if hung_up:
                writer.write(b"HANGUP\n")
            await writer.drain()
            started = time.perf_counter()
            while True:
                try:
                    line = await reader.readline()
                except ConnectionResetError:  # closed with our reply unread: the AGI ended
                    line = b""
                if not line:
                    result.closed_by_server = True
                    break
                command = line.decode("utf-8", errors="replace").rstrip("\n")
                result.commands.append(command)
                n = len(result.commands)
                if disconnect_after_commands is not None and n >= disconnect_after_commands:
                    break
                if hangup_after_commands is not None and n == hangup_after_commands:
                    hung_up = True
                    writer.write(b"HANGUP\n")
                writer.write(answer(command, channel, hung_up).encode())
                try:
                    await writer.drain()
                except ConnectionError:  # the server closed while we answered: the AGI ended
                    result.closed_by_server = True
                    break
            result.answer_seconds = time.perf_counter() - started
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    return result
