"""The bridge's counters only grow over the process's life, across reconnects (Prometheus
reads them as counters): a reconnect used to reset ``bad_utf8`` to zero."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from pydantic import SecretStr

from callcenter.ami.client import AmiClient
from callcenter.ami.metrics import bridge_metrics
from callcenter.settings import AmiSettings
from callcenter.storage.store import TimelineStore
from tests.ami.conftest import make_room

BAD = b"Event: ProbeEvent\r\nBody: caf\xe9\r\n\r\n"  # not noise: parsed, then ignored


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polls state the code under test owns
            await asyncio.sleep(0.02)


async def test_counters_survive_a_reconnect(sqlite_store: TimelineStore) -> None:
    connections: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            buffered = b""
            while data := await reader.read(65536):
                buffered += data
                while b"\r\n\r\n" in buffered:
                    frame, buffered = buffered.split(b"\r\n\r\n", 1)
                    lines = frame.split(b"\r\n")
                    aid = next((x[10:] for x in lines if x.startswith(b"ActionID")), b"")
                    writer.write(b"Response: Success\r\nActionID: " + aid + b"\r\n\r\n")
                    for name in (b"QueueStatus", b"CoreShowChannels"):
                        if b"Action: " + name + b"\r\n" in frame + b"\r\n":
                            writer.write(
                                b"Event: "
                                + name
                                + b"Complete\r\nActionID: "
                                + aid
                                + b"\r\nEventList: Complete\r\nListItems: 0\r\n\r\n"
                            )
                    if b"Action: Login" in frame:
                        writer.write(BAD * 2)
                await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    room = make_room(sqlite_store, offline=False)
    settings = AmiSettings(
        port=port, username="b", secret=SecretStr("s"), ping_interval=30, action_timeout=2
    )
    client = AmiClient(settings, room.bridge, backoff_initial=0.05)
    task = asyncio.create_task(client.run())
    room.runner.start()
    try:
        counts = lambda: bridge_metrics(room.bridge, room.runner, client)  # noqa: E731
        await until(lambda: counts()["bad_utf8"] == 2)
        first = counts()
        connections[0].transport.abort()  # the link drops; the client reconnects
        await until(lambda: len(connections) == 2 and client.logged_in.is_set())
        await until(lambda: counts()["bad_utf8"] == 4)
        second = counts()
        for name, value in first.items():
            if not name.startswith("lag_ms"):
                assert second[name] >= value, (name, value, second[name])
        assert second["reconnects"] >= 1
    finally:
        await client.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await room.runner.close()
        for writer in connections:
            writer.transport.abort()
        server.close()
        await server.wait_closed()
