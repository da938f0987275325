"""Replay the FastAGI dialogue recorded from Asterisk 20.20.1 through ``AgiSession``."""

from __future__ import annotations

import ast
import asyncio
import re

import pytest

from callcenter.agi.protocol import AgiProtocolError, AgiSession, parse_route, quote
from tests.agi.conftest import FIXTURES, RAW

_LINE = re.compile(r"^\s+[\d.]+ (<<|>>) (b'.*'|b\".*\")$")


def dialogue() -> list[list[tuple[str, bytes]]]:
    """The annotated recording: per session, each (direction, bytes) in order."""
    sessions: list[list[tuple[str, bytes]]] = []
    for line in (FIXTURES / "fastagi-env.txt").read_text().splitlines():
        if line.startswith("=== FastAGI session"):
            sessions.append([])
        match = _LINE.match(line)
        if match:
            sessions[-1].append((match.group(1), ast.literal_eval(match.group(2))))
    return sessions


class Writer:
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        return None

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        return None


def session_of(incoming: bytes, *, eof: bool = True) -> tuple[AgiSession, Writer]:
    reader = asyncio.StreamReader()
    reader.feed_data(incoming)
    if eof:
        reader.feed_eof()
    writer = Writer()
    return AgiSession(reader, writer), writer  # type: ignore[arg-type]


def test_the_annotated_dialogue_is_the_raw_bytes() -> None:
    sent = b"".join(data for s in dialogue() for d, data in s if d == "<<")
    assert sent == RAW


async def test_replay_session_1() -> None:
    steps = dialogue()[0]
    session, writer = session_of(b"".join(data for d, data in steps if d == "<<"))
    request = await session.read_request()
    assert request.route == "qualify"
    assert request.query == {"x": "1"}
    assert request.uniqueid == "1795319052.249"
    assert request.get("agi_callerid") == "0500000004"
    assert request.get("agi_accountcode") == ""  # empty value keeps its key
    assert request.args == ()

    commands = [data.decode().rstrip("\n") for d, data in steps if d == ">>"]
    replies = [await session.command(c) for c in commands]
    assert bytes(writer.data) == b"".join(data for d, data in steps if d == ">>")

    by_command = dict(zip(commands, replies, strict=True))
    assert by_command["GET VARIABLE CALLERID(num)"].value() == "0500000004"
    full = by_command['GET FULL VARIABLE "${CALLERID(name)} on ${CHANNEL}"']
    assert full.value() == "Dave 04 on Local/19@from-pstn-0000007c;2"
    usage = by_command["GET FULL VARIABLE ${CALLERID(name)} on ${CHANNEL}"]
    assert usage.code == 520
    assert "Example return code: 200 result=1 (The time is 1578493800)" in usage.text
    assert by_command["SET VARIABLE QUEUE_PRIO 5"].result == 1
    assert by_command["GET VARIABLE QUEUE_PRIO"].value() == "5"
    assert by_command["CHANNEL STATUS"].result == 6
    assert by_command["GET VARIABLE NOT_SET_ANYWHERE"].value() is None
    assert by_command["GET VARIABLE NOT_SET_ANYWHERE"].result == 0
    assert by_command["FOOBAR"].code == 510
    assert by_command["SET VARIABLE"].code == 520
    assert by_command["SET VARIABLE"].text.endswith("Sets a variable to the current channel.")
    assert not session.hung_up
    with pytest.raises(AgiProtocolError):  # nothing more: Asterisk's side is exhausted
        await session.read_reply()


async def test_replay_session_2_unsolicited_hangup() -> None:
    steps = dialogue()[1]
    session, _ = session_of(b"".join(data for d, data in steps if d == "<<"))
    request = await session.read_request()
    assert request.route == "qualify"
    assert request.args == ("line19", "vip")
    assert not session.hung_up
    reply = await session.command("GET VARIABLE CALLERID(num)")  # HANGUP comes first
    assert session.hung_up
    assert reply.value() == "0500000005"
    dead = await session.command('STREAM FILE beep ""')
    assert dead.code == 511


@pytest.mark.parametrize(
    "incoming",
    [
        b"",
        b"agi_network: yes\nagi_network_script: qualify\n",  # closed before the blank line
        b"agi_network: yes\ngarbage without colon\n\n",
        b"agi_network: yes\n" + b"x" * 10_000 + b"\n\n",
        b"".join(b"agi_x%d: y\n" % i for i in range(500)) + b"\n",
        # found by bench/fuzz.py: urlsplit raised ValueError ("Invalid IPv6 URL")
        b"agi_network: yes\nagi_request: agi://[127.0.0.1:4573/qualify\n\n",
    ],
    ids=["nothing", "eof-mid-environment", "no-colon", "over-long-line", "endless", "bad-url"],
)
async def test_broken_environments_raise_protocol_errors(incoming: bytes) -> None:
    session, _ = session_of(incoming)
    with pytest.raises(AgiProtocolError):
        async with asyncio.timeout(2):
            await session.read_request()


async def test_reply_cut_mid_520_block() -> None:
    session, _ = session_of(b"520-Invalid command syntax.  Proper usage follows:\nUsage\n")
    with pytest.raises(AgiProtocolError):
        await session.read_reply()


async def test_non_ascii_and_invalid_utf8_are_read_not_raised() -> None:
    env = "agi_network_script: qualify\nagi_calleridname: محمد\n".encode() + (
        b"agi_callerid: \xff\xfe12\n\n"
    )
    session, _ = session_of(env)
    request = await session.read_request()
    assert request.get("agi_calleridname") == "محمد"
    assert request.get("agi_callerid") == "\ufffd\ufffd12"


@pytest.mark.parametrize(
    ("script", "route", "query"),
    [
        ("qualify", "qualify", {}),
        ("qualify?x=1", "qualify", {"x": "1"}),
        ("/qualify/?a=1&b=", "qualify", {"a": "1", "b": ""}),
        ("", "", {}),
    ],
)
def test_parse_route(script: str, route: str, query: dict[str, str]) -> None:
    assert parse_route(script) == (route, query)


def test_quote() -> None:
    assert quote('a "b" \\c') == '"a \\"b\\" \\\\c"'
