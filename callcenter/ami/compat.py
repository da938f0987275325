"""Where panoramisk 1.4's defects on Python 3.11 are worked around: nowhere else.

- ``data_received`` decoded each TCP read on its own and dropped a UTF-8 character split
  across two reads: ``BridgeProtocol`` feeds our sans-I/O ``FrameParser`` instead.
- An exception in an event callback killed the connection, and coroutine callbacks were
  scheduled fire-and-forget (order and errors lost): frames go to one synchronous ``on_frame``
  callback that only enqueues; its exceptions are logged and counted, the read goes on.
- ``Manager.dispatch`` is never reached, so the ``FullyBooted`` hook that re-sends actions
  from before a disconnect (an Originate placed twice) never runs; pending actions are failed
  with ``PbxUnavailableError`` on disconnect instead.
- ``connection_lost`` does not start panoramisk's own reconnect loop (which ``close()`` could
  not stop); the client's supervisor reconnects.
- A response whose ActionID matches no pending action is counted (``unmatched``) and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from callcenter.ami.frames import Frame, FrameParser, Noise
from callcenter.errors import PbxUnavailableError

log = logging.getLogger(__name__)

OnFrame = Callable[[Frame, datetime], None]


def to_message(frame: Frame) -> Message:
    """A panoramisk Message (repeated headers become lists, as panoramisk does)."""
    headers: dict[str, Any] = {}
    for key, value in frame:
        if key in headers:
            prev = headers[key]
            headers[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            headers[key] = value
    return Message(headers)


class BridgeProtocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk's AMI protocol with our parser and synchronous, ordered frame delivery."""

    def __init__(
        self, on_frame: OnFrame, *, max_frame: int = 64 * 1024, noise: Noise | None = None
    ) -> None:
        super().__init__()
        self.version: str | None = None
        self.on_frame = on_frame
        self.parser = FrameParser(max_frame=max_frame, noise=noise)
        self.callback_errors = 0
        self.unmatched = 0
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        received_at = datetime.now(UTC)
        for frame in self.parser.feed(data):
            if self.version is None and self.parser.banner:
                self.version = self.parser.banner.partition("/")[2]
            try:
                self.on_frame(frame, received_at)
            except Exception:
                self.callback_errors += 1
                log.exception("AMI frame callback failed; frame skipped")
            if frame[0][0] == "Response" or any(k == "ActionID" for k, _ in frame):
                self._match(frame)

    def _match(self, frame: Frame) -> None:
        message = to_message(frame)
        action = self.responses.get(message.id)
        if action is None and message.action_id:
            action = self.responses.get(message.action_id)
        if action is None:
            if "Response" in message:
                self.unmatched += 1
            return
        try:
            if action.add_message(message):
                self.responses.pop(action.id, None)
                if action.action_id:
                    self.responses.pop(action.action_id, None)
        except Exception:
            self.callback_errors += 1
            log.exception("could not match AMI response %r", message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        for action in list(self.responses.values()):
            if not action.future.done():
                action.future.set_exception(PbxUnavailableError("AMI connection lost"))
        self.responses.clear()
        if not self.lost.done():
            self.lost.set_result(None)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()
