"""Asterisk's side of a FastAGI session: for tests, the benchmark and anyone simulating a PBX.

``play`` connects to a FastAGI server, sends an environment (the exact bytes a real Asterisk
sent, see ``environment``), then answers each command as Asterisk 20 does for a channel with
the given variables: ``GET VARIABLE`` -> ``200 result=1 (value)`` or ``200 result=0``,
``SET VARIABLE`` -> ``200 result=1``, ``EXEC MSet a=1,b=2`` -> ``200 result=0``, unknown ->
``510``; after the caller hangs up (the
unsolicited ``HANGUP`` line) commands that need a live channel answer ``511``. It returns when
the server closes the connection (which is how the AGI ends for Asterisk).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shlex
import time
from dataclasses import dataclass, field

# Commands res_agi allows on a dead channel (the others answer 511).
DEAD_OK = ("GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP", "EXEC")
_SET = re.compile(r"^SET VARIABLE (\S+) (.*)$")


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


def answer(command: str, variables: dict[str, str], hung_up: bool) -> bytes:
    if hung_up and not command.startswith(DEAD_OK):
        return b"511 Command Not Permitted on a dead channel or intercept routine\n"
    if command.startswith("GET VARIABLE "):
        name = command[len("GET VARIABLE ") :].strip()
        value = variables.get(name)
        return b"200 result=0\n" if value is None else f"200 result=1 ({value})\n".encode()
    match = _SET.match(command)
    if match is not None:
        try:
            words = shlex.split(match.group(2))
        except ValueError:
            words = []
        if len(words) != 1:
            return b"520-Invalid command syntax.  Proper usage follows:\n" + (
                b"Sets a variable to the current channel.\n520 End of proper usage.\n"
            )
        variables[match.group(1)] = words[0]
        return b"200 result=1\n"
    if command.startswith("EXEC MSet "):  # the MSet application: name=value,name=value
        try:
            (arg,) = shlex.split(command[len("EXEC MSet ") :])
        except ValueError:
            return b"200 result=-2\n"
        for pair in arg.split(","):
            name, _, value = pair.partition("=")
            variables[name] = value
        return b"200 result=0\n"
    if command in ("NOOP", "ANSWER") or command.startswith("VERBOSE "):
        return b"200 result=0\n" if command == "NOOP" else b"200 result=1\n"
    return b"510 Invalid or unknown command\n"


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
                writer.write(answer(command, result.variables, hung_up))
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
