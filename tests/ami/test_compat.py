"""The panoramisk protocol wrapper on malformed input: counted, skipped, still running."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from panoramisk.actions import Action

from callcenter.ami.compat import BridgeProtocol
from callcenter.ami.frames import Frame


class FakeTransport:
    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True


async def test_garbage_unmatched_responses_and_failing_callbacks_do_not_stop_it() -> None:
    seen: list[Frame] = []

    def on_frame(frame: Frame, _at: datetime) -> None:
        if ("Event", "Boom") in frame:
            raise RuntimeError("a bug in a callback")
        seen.append(frame)

    protocol = BridgeProtocol(on_frame, max_frame=4096)
    protocol.connection_made(FakeTransport())
    action: Any = Action({"Action": "Ping"}, as_list=False)
    protocol.send(action)
    stream = [
        b"Asterisk Call Manager/9.0.0\r\n",
        b"Response: Success\r\nActionID: nobody-asked\r\nPing: Pong\r\n\r\n",
        b"Event: Boom\r\n\r\n",
        b"Event: Hangup\r\nJunk: " + b"x" * 10_000 + b"\r\n\r\n",
        b"\xff\xfe\x00garbage without a colon\r\n\r\n",
        b"Event: Newstate\r\nCallerIDName: caf\xc3",
        b"\xa9\r\n\r\nResponse: Success\r\nActionID: " + action.id.encode() + b"\r\n",
        b"Ping: Pong\r\n\r\n",
    ]
    for chunk in stream:
        protocol.data_received(chunk)

    assert protocol.version == "9.0.0"
    assert protocol.unmatched == 1
    assert protocol.callback_errors == 1
    assert protocol.parser.stats.rejected == 2  # the 10 kB frame, the headerless one
    assert ("CallerIDName", "café") in seen[-2]
    assert action.future.done() and action.future.result().ping == "Pong"
    protocol.connection_lost(None)
    assert protocol.lost.done()
