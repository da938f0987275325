"""A small AMI server that replays recorded Asterisk sessions (``.ami`` + ``.sent``).

Each TCP connection serves the next recorded session, as recorded: the banner, then every
frame in the recorded order. A recorded response (and its list events) is held back until the
client sends an action of the same name (the ``answer`` set), and goes out with the client's
ActionID; responses to actions the client never sends (the recorder's Originates) are
skipped. Actions absent from the recording are answered the way Asterisk does (Ping -> Pong,
an empty list for QueueStatus/CoreShowChannels, "Permission denied" for names in ``deny``,
"Authentication failed" and a close for a wrong secret). After the last frame the connection
is aborted where the recording ended (``drop``), or held open.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from callcenter.ami.frames import FrameParser

LISTS = {"QueueStatus": "QueueStatusComplete", "CoreShowChannels": "CoreShowChannelsComplete"}
_AID = re.compile(rb"ActionID: ([^\r]*)\r\n")


@dataclass
class Session:
    ami: Path
    drop: bool = True
    hold_until: str | None = None  # after login, stream nothing until the client sent this

    def load(self) -> tuple[bytes, list[bytes], dict[str, str]]:
        data = self.ami.read_bytes()
        banner, _, rest = data.partition(b"\r\n")
        frames = [f + b"\r\n\r\n" for f in rest.split(b"\r\n\r\n") if f]
        names: dict[str, str] = {}
        sent = self.ami.with_suffix(".sent").read_text()
        for block in sent.split("\n\n"):
            h = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "ActionID" in h:
                names[h["ActionID"]] = h.get("Action", "")
        return banner + b"\r\n", frames, names


@dataclass
class ReplayAmiServer:
    sessions: list[Session]
    secret: str = "bridge-secret"
    answer: frozenset[str] = frozenset({"Login", "QueueStatus", "CoreShowChannels"})
    deny: frozenset[str] = frozenset()
    answer_ping: bool = True  # False: a peer that stopped answering (but keeps the socket)
    connections: int = 0
    received: list[dict[str, str]] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.append(writer)
        index = self.connections
        self.connections += 1
        try:
            await self._session(index, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # close(): the test is over (asyncio's stream callback would log it)
        finally:
            self._tasks.discard(task)

    async def _session(
        self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        session = self.sessions[min(index, len(self.sessions) - 1)]
        banner, frames, names = session.load()
        if index >= len(self.sessions):
            frames, session = [], Session(session.ami, drop=False)
        pending: dict[str, asyncio.Queue[str]] = {}
        seen_names: set[str] = set()
        got = asyncio.Event()
        logged_in = asyncio.Event()
        recorded = set(names.values())

        async def read_actions() -> None:
            parser = FrameParser()
            while data := await reader.read(65536):
                for frame in parser.feed(data):
                    h = dict(frame)
                    self.received.append(h)
                    name, aid = h.get("Action", ""), h.get("ActionID", "")
                    if name == "Login" and h.get("Secret") != self.secret:
                        writer.write(_resp(aid, "Error", "Message: Authentication failed"))
                        await writer.drain()
                        writer.close()
                        return
                    if name == "Ping":
                        if self.answer_ping:
                            writer.write(_resp(aid, "Success", "Ping: Pong"))
                    elif name in self.deny:
                        writer.write(_resp(aid, "Error", "Message: Permission denied"))
                    elif name in self.answer and name in recorded and frames:
                        pending.setdefault(name, asyncio.Queue()).put_nowait(aid)
                    elif name in LISTS:
                        writer.write(_resp(aid, "Success", "EventList: start"))
                        writer.write(
                            f"Event: {LISTS[name]}\r\nActionID: {aid}\r\n"
                            "EventList: Complete\r\nListItems: 0\r\n\r\n".encode()
                        )
                    elif name == "Login":
                        writer.write(_resp(aid, "Success", "Message: Authentication accepted"))
                        logged_in.set()
                    else:
                        writer.write(_resp(aid, "Success", "Message: done"))
                    seen_names.add(name)
                    got.set()
                await writer.drain()

        writer.write(banner)
        await writer.drain()
        reading = asyncio.ensure_future(read_actions())
        try:
            mapping: dict[str, str] = {}
            for raw in frames:
                name = ""
                match = _AID.search(raw)
                if match:
                    rec = match.group(1).decode()
                    name = names.get(rec, "")
                    if name not in self.answer:
                        continue
                    if rec not in mapping:
                        queue = pending.setdefault(name, asyncio.Queue())
                        try:
                            async with asyncio.timeout(2.0):
                                mapping[rec] = await queue.get()
                        except TimeoutError:
                            mapping[rec] = ""
                    if not mapping[rec]:
                        continue
                    raw = raw.replace(match.group(0), f"ActionID: {mapping[rec]}\r\n".encode())
                    if name == "Login":
                        logged_in.set()
                writer.write(raw)
                await writer.drain()
                if session.hold_until and logged_in.is_set() and name == "Login":
                    while session.hold_until not in seen_names:
                        got.clear()
                        await got.wait()
            if session.drop and frames:
                await asyncio.sleep(0.05)
                writer.transport.abort()
                return
            self.ended.set()
            await reading
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reading


def _resp(aid: str, status: str, line: str) -> bytes:
    return f"Response: {status}\r\nActionID: {aid}\r\n{line}\r\n\r\n".encode()
