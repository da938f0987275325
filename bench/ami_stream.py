"""A large, realistic AMI byte stream, and a TCP server that plays it to a logged-in client.

The stream is made of real Asterisk 20 calls (the recorded transcripts, noise included: VarSet,
Newexten, DeviceStateChange...) cloned with fresh Uniqueid/Linkedid values, channel suffixes and
timestamps, so every clone is a distinct call to the bridge.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SOURCES = ("ts-single-answered.ami", "ts-priority.ami", "ts-agent-dump.ami")
END_MARKER = b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: BenchEnd\r\n\r\n"

_ID = re.compile(rb"(?<!Timestamp: )\b(\d{10})\.(\d+)\b")
_CHANNEL = re.compile(rb"-([0-9a-f]{8});")
_TIMESTAMP = re.compile(rb"^Timestamp: (\d+)\.(\d{6})\r$", re.M)


def unsolicited_events(raw: bytes) -> list[bytes]:
    """The recorded events without the banner, responses and list-action replies."""
    body = raw.split(b"\r\n", 1)[1]
    frames = [f + b"\r\n\r\n" for f in body.split(b"\r\n\r\n") if f.strip()]
    return [
        f
        for f in frames
        if f.startswith(b"Event: ")
        and b"\r\nActionID: " not in f
        and not f.startswith((b"Event: FullyBooted", b"Event: SuccessfulAuth"))
    ]


def _clone(frames: list[bytes], k: int) -> Iterator[bytes]:
    # Clone k owns its own id space (the recorded ids are small sequence numbers, below 10^6
    # and 2^16): clones of different transcripts can never share a Uniqueid or a channel.
    shift_ids = (k + 1) * 1_000_000
    shift_s = k * 7

    def new_id(m: re.Match[bytes]) -> bytes:
        return m.group(1) + b"." + str(int(m.group(2)) % 1_000_000 + shift_ids).encode()

    def new_channel(m: re.Match[bytes]) -> bytes:
        return b"-%08x;" % (((k + 1) << 16) | (int(m.group(1), 16) & 0xFFFF))

    def new_ts(m: re.Match[bytes]) -> bytes:
        return b"Timestamp: %d.%s\r" % (int(m.group(1)) + shift_s, m.group(2))

    for frame in frames:
        frame = _ID.sub(new_id, frame)
        frame = _CHANNEL.sub(new_channel, frame)
        yield _TIMESTAMP.sub(new_ts, frame)


def build_stream(min_events: int, directory: Path = TRANSCRIPTS) -> tuple[bytes, int]:
    """At least ``min_events`` events of cloned real calls; returns (bytes, event count)."""
    templates = [unsolicited_events((directory / name).read_bytes()) for name in SOURCES]
    out: list[bytes] = []
    k = 0
    while len(out) < min_events:
        out.extend(_clone(templates[k % len(templates)], k))
        k += 1
    return b"".join(out), len(out)


class StreamServer:
    """Answers Login (and resync list actions with empty lists), then plays ``body``."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.server: asyncio.Server | None = None
        self.port = 0
        self.started_at = 0.0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        player: asyncio.Task[None] | None = None
        try:
            while True:
                action = await _read_action(reader)
                if action is None:
                    break
                name = action.get("action", "").lower()
                aid = action.get("actionid", "")
                if name == "login":
                    writer.write(_response(aid, "Message: Authentication accepted"))
                    await writer.drain()
                    player = asyncio.create_task(self._play(writer))
                elif not answer_action(writer, name, aid):
                    break
        finally:
            if player is not None:
                await asyncio.shield(player)
            writer.close()

    async def _play(self, writer: asyncio.StreamWriter) -> None:
        self.started_at = time.perf_counter()
        view = memoryview(self.body)
        for start in range(0, len(view), 65536):
            writer.write(view[start : start + 65536])
            await writer.drain()
        writer.write(END_MARKER)
        await writer.drain()


LISTS_COMPLETE = {
    "queuestatus": "QueueStatusComplete",
    "coreshowchannels": "CoreShowChannelsComplete",
    "queuesummary": "QueueSummaryComplete",
}


def answer_action(writer: asyncio.StreamWriter, name: str, aid: str) -> bool:
    """Answer an action other than Login as Asterisk would, with empty lists (the resync finds
    nothing: the bench's calls come from the stream). False after Logoff."""
    if name in LISTS_COMPLETE:
        writer.write(_response(aid, "EventList: start\r\nMessage: will follow"))
        writer.write(
            f"Event: {LISTS_COMPLETE[name]}\r\nActionID: {aid}\r\nEventList: Complete\r\n"
            "ListItems: 0\r\n\r\n".encode()
        )
    elif name == "ping":
        writer.write(_response(aid, f"Ping: Pong\r\nTimestamp: {time.time():.6f}"))
    elif name == "logoff":
        writer.write(_response(aid, "Message: Thanks for all the fish.", "Goodbye"))
        return False
    else:
        writer.write(_response(aid, "Message: ok"))
    return True


def _response(action_id: str, lines: str, response: str = "Success") -> bytes:
    return f"Response: {response}\r\nActionID: {action_id}\r\n{lines}\r\n\r\n".encode()


async def _read_action(reader: asyncio.StreamReader) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").strip()
        if not text:
            if fields:
                return fields
            continue
        key, _, value = text.partition(":")
        fields[key.strip().lower()] = value.strip()
