"""AMI action injection: text from the API never becomes extra AMI headers or actions.

The API runs with the real AMI action layer (``AmiPbxControl`` over ``AmiClient``) against a
small AMI server that keeps every byte it receives, so the assertions are about what reaches
the wire. Two layers are tested apart: the API refuses control characters (422), and the AMI
client refuses any header with CR, LF or NUL whoever calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from pydantic import SecretStr

from callcenter.ami.client import AmiClient
from callcenter.ami.control import AmiPbxControl
from callcenter.errors import PbxError
from callcenter.settings import AmiSettings
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import make_room as make_bridge_room
from tests.api.room import Room, serve

INJECTION = "x\r\n\r\nAction: QueueRemove\r\nQueue: line19\r\nInterface: PJSIP/seat07"


@dataclass
class WireAmi:
    """Answers Login and every action with Success; keeps the raw bytes it was sent."""

    wire: bytearray = field(default_factory=bytearray)
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        pending = b""
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                self.wire += data
                pending += data
                while b"\r\n\r\n" in pending:
                    frame, pending = pending.split(b"\r\n\r\n", 1)
                    headers = dict(
                        line.split(b": ", 1) for line in frame.split(b"\r\n") if b": " in line
                    )
                    aid = headers.get(b"ActionID", b"")
                    name = headers.get(b"Action", b"")
                    extra = b""
                    if name in (b"QueueStatus", b"CoreShowChannels"):
                        extra = b"EventList: start\r\n"
                    writer.write(
                        b"Response: Success\r\nActionID: "
                        + aid
                        + b"\r\n"
                        + extra
                        + b"Message: done\r\n\r\n"
                    )
                    if extra:
                        complete = name + b"Complete"
                        writer.write(
                            b"Event: "
                            + complete
                            + b"\r\nActionID: "
                            + aid
                            + b"\r\nEventList: Complete\r\nListItems: 0\r\n\r\n"
                        )
                await writer.drain()

    def actions(self) -> list[bytes]:
        """The Action header of every frame that reached the wire, in order."""
        names = []
        for frame in bytes(self.wire).split(b"\r\n\r\n"):
            for line in frame.split(b"\r\n"):
                if line.startswith(b"Action: "):
                    names.append(line.removeprefix(b"Action: "))
        return names


@pytest.fixture
async def ami(sqlite_store: TimelineStore) -> AsyncIterator[tuple[WireAmi, AmiPbxControl]]:
    server = WireAmi()
    port = await server.start()
    bridge_room = make_bridge_room(sqlite_store, offline=False)
    settings = AmiSettings(
        port=port, username="bridge", secret=SecretStr("s"), ping_interval=30, action_timeout=3
    )
    client = AmiClient(settings, bridge_room.bridge)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.logged_in.wait(), 5)
        yield server, AmiPbxControl(client)
    finally:
        await client.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.close()


@pytest.fixture
async def wired(room: Room, ami: tuple[WireAmi, AmiPbxControl]) -> AsyncIterator[str]:
    room.services.pbx = ami[1]
    async with serve(room.app) as url:
        yield url


@pytest.mark.parametrize(
    "reason",
    [
        INJECTION,
        INJECTION.replace("\r\n", "\n"),  # LF alone is enough for Asterisk
        "x\rAction: QueueRemove",
        "break\x00",
        "break\x85",  # C1 NEL
        "break\u202e",  # RIGHT-TO-LEFT OVERRIDE
    ],
)
async def test_pause_reasons_with_control_characters_are_refused_before_the_wire(
    room: Room, ami: tuple[WireAmi, AmiPbxControl], wired: str, reason: str
) -> None:
    server, _control = ami
    async with httpx.AsyncClient(base_url=wired, timeout=10) as http:
        mine = await http.post(
            "/seats/me/pause", json={"reason": reason}, headers=room.headers("op3")
        )
        theirs = await http.post(
            "/supervisor/seats/Seat 04/pause", json={"reason": reason}, headers=room.headers("sup")
        )
        good = await http.post(
            "/seats/me/pause", json={"reason": "break"}, headers=room.headers("op3")
        )
    for refused in (mine, theirs):
        assert refused.status_code == 422, refused.text
        assert "control" in refused.text or "direction" in refused.text, refused.text
    assert good.status_code == 200, good.text
    assert server.actions()[-1:] == [b"QueuePause"]
    assert b"QueueRemove" not in server.wire
    assert b"Reason: break\r\n" in server.wire
    assert server.actions().count(b"QueuePause") == 1


@pytest.mark.parametrize("separator", ["\r\n", "\n", "\r", "\x00"])
async def test_the_ami_layer_refuses_line_breaks_whoever_calls_it(
    ami: tuple[WireAmi, AmiPbxControl], separator: str
) -> None:
    server, control = ami
    before = bytes(server.wire)
    with pytest.raises(PbxError, match=r"line break|NUL"):
        await control.seat_pause(
            "line19", "PJSIP/seat03", f"x{separator}Action: QueueRemove{separator}"
        )
    with pytest.raises(PbxError):
        await control.blind_transfer("PJSIP/seat03-00000001", "ctx", f"2001{separator}Foo: 1")
    with pytest.raises(PbxError):
        await control.client.action({"Action": "Ping", f"X{separator}Y": "1"})
    await control.seat_pause("line19", "PJSIP/seat03", "break")
    assert bytes(server.wire).removeprefix(before).count(b"Action: ") == 1
    assert b"QueueRemove" not in server.wire
