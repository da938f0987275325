"""The bridge's end of scale-out: serves API-only processes' commands and publishes the seats.

Started by the room when Redis is configured (roles ``all`` and ``bridge``); stopped before
the room stops its AMI client and drains its runner, so no command is half-performed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable

from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.api.ports import HandOff
from callcenter.messaging.command_server import CommandServer
from callcenter.messaging.commands import BridgeKeys
from callcenter.messaging.connection import connect
from callcenter.messaging.seat_snapshot import SeatPublisher
from callcenter.pipeline.ports import EventSink, PbxControl
from callcenter.remote.handlers import bridge_handlers
from callcenter.settings import Settings
from callcenter.tasks import stop_within


class BridgeChannel:
    def __init__(
        self,
        settings: Settings,
        board: LiveSeatBoard,
        *,
        pbx: PbxControl,
        sink: EventSink,
        handoff: HandOff,
        ami_connected: Callable[[], bool],
    ) -> None:
        assert settings.redis.url, "the bridge channel needs Redis"
        self.redis = connect(
            settings.redis.url,
            timeout=settings.dispatch.redis_timeout_seconds,
            block_seconds=1.0,
            retries=1,
        )
        keys = BridgeKeys(settings.redis.bridge_prefix)
        name = f"bridge-{socket.gethostname()}-{os.getpid()}"
        self.server = CommandServer(
            self.redis,
            keys,
            bridge_handlers(pbx, sink, handoff),
            name=name,
            ami_connected=ami_connected,
        )
        self.publisher = SeatPublisher(self.redis, keys, board, source=name)
        board.on_change = self.publisher.changed
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.server.run(self._stop), name="bridge-commands"),
            asyncio.create_task(self.publisher.run(self._stop), name="bridge-seats"),
        ]

    async def stop(self) -> None:
        self._stop.set()
        # they end within a read's block once asked; a read stuck on a silent Redis is
        # cancelled, repeatedly if redis-py loses the cancellation (callcenter/tasks.py)
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await stop_within(self._tasks, 20)
        await self.redis.aclose()
