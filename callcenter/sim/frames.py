"""Sans-I/O AMI framing: bytes in, actions out; messages in, bytes out.

An AMI message is an ordered list of ``(name, value)`` pairs (headers may repeat, e.g. the
``Variable:`` lines of an Originate or the ``Output:`` lines of a Command reply). Lines end in
``\\r\\n`` and a message ends with an empty line; a bare ``\\n`` is accepted on input, as
Asterisk does. Decoding is incremental UTF-8, so a character split across two reads is kept.
Nothing here does I/O; the server feeds bytes in and writes what ``encode`` returns.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
MAX_MESSAGE_BYTES = 64 * 1024

Headers = list[tuple[str, str]]


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """One message on the wire: ``Key: Value\\r\\n`` lines and the closing empty line."""
    return ("".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()


@dataclass
class Action:
    """An action received from the client. ``get`` returns the first value of a header."""

    headers: Headers = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.get("Action")

    @property
    def action_id(self) -> str | None:
        value = self.get("ActionID", None)
        return value

    def get(self, key: str, default: str | None = "") -> str:
        lower = key.lower()
        for k, v in self.headers:
            if k.lower() == lower:
                return v
        return default  # type: ignore[return-value]

    def get_all(self, key: str) -> list[str]:
        lower = key.lower()
        return [v for k, v in self.headers if k.lower() == lower]


class FramingError(ValueError):
    """The client sent something that is not an AMI message (too long, no colon...)."""


class ActionParser:
    """Feed it bytes, get complete actions. Keeps partial lines and messages between reads."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._current: Headers = []
        self._size = 0

    def feed(self, data: bytes) -> list[Action]:
        self._buffer += self._decoder.decode(data)
        actions: list[Action] = []
        while True:
            index = self._buffer.find("\n")
            if index < 0:
                if len(self._buffer) > MAX_MESSAGE_BYTES:
                    self._buffer = ""
                    raise FramingError("line too long")
                return actions
            line = self._buffer[:index].rstrip("\r")
            self._buffer = self._buffer[index + 1 :]
            if not line:
                if self._current:
                    actions.append(Action(self._current))
                    self._current = []
                    self._size = 0
                continue
            self._size += len(line)
            if self._size > MAX_MESSAGE_BYTES:
                self._current = []
                self._size = 0
                raise FramingError("message too long")
            key, sep, value = line.partition(":")
            if not sep:
                continue  # Asterisk ignores header lines without a colon
            self._current.append((key.strip(), value.lstrip(" ")))


def response(action_id: str | None, status: str, items: Sequence[tuple[str, str]]) -> bytes:
    """``Response: <status>`` with the ActionID echoed second, as Asterisk does."""
    headers: Headers = [("Response", status)]
    if action_id is not None:
        headers.append(("ActionID", action_id))
    headers.extend(items)
    return encode(headers)


def error(action_id: str | None, message: str) -> bytes:
    return response(action_id, "Error", [("Message", message)])
