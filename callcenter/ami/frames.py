"""Sans-I/O AMI framing: bytes in, frames out. Used by the live protocol and by ``ingest``.

A frame is the ordered list of ``(key, value)`` header pairs of one AMI message (headers can
repeat, e.g. ``Output:``). The parser promises:

- any split of the byte stream gives the same frames (multi-byte UTF-8 characters split across
  reads are never lost: only complete frames are decoded);
- the banner (``Asterisk Call Manager/x.y.z\\r\\n``, no blank line after it) is recognised;
- malformed input never raises: an over-long frame (``max_frame`` bytes without a blank line),
  a frame with no ``Key: Value`` line, are dropped and counted in ``stats.rejected``;
  non-UTF-8 bytes are replaced (U+FFFD), counted in ``stats.bad_utf8`` and the frame is kept,
  because dropping a Hangup for one bad byte in a caller name would lose a call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Frame = list[tuple[str, str]]
Noise = Callable[[bytes], bool]

BANNER_PREFIX = b"Asterisk Call Manager/"
_END = b"\r\n\r\n"
_BREAK = re.compile(r"[\r\n]")
_ACTION_ID = re.compile(rb"\r\nActionID: ([^\r]*)")


@dataclass
class FrameStats:
    frames: int = 0
    rejected: int = 0
    bad_utf8: int = 0
    bad_lines: int = 0
    bytes: int = 0
    shallow: int = 0  # noise frames kept as their Event (and ActionID) only


class FrameParser:
    def __init__(self, *, max_frame: int = 64 * 1024, noise: Noise | None = None) -> None:
        """``noise(raw)`` says a frame is not worth parsing (translate.is_noise): it then comes
        out as ``[("Event", name)]`` plus its ActionID, for speed."""
        self.max_frame = max_frame
        self.noise = noise
        self.stats = FrameStats()
        self.banner: str | None = None
        self._buf = bytearray()
        self._at_start = True
        self._discarding = False  # inside an over-long frame: drop bytes until its end

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes from the wire; return the frames they completed, in order."""
        self.stats.bytes += len(data)
        buf = self._buf
        buf += data
        if self._at_start and not self._take_banner():
            return []
        frames: list[Frame] = []
        start = 0
        while True:
            end = buf.find(_END, start)
            if end < 0:
                break
            if self._discarding:
                self._discarding = False
            elif end - start > self.max_frame:
                self.stats.rejected += 1
            elif end > start:
                frame = self._parse(bytes(buf[start:end]))
                if frame is not None:
                    frames.append(frame)
            start = end + 4
        del buf[:start]
        if len(buf) > self.max_frame:
            # Keep the last 3 bytes: they may be the beginning of the terminator.
            if not self._discarding:
                self.stats.rejected += 1
                self._discarding = True
            del buf[:-3]
        return frames

    def reset(self) -> None:
        """A new connection: forget any partial frame, expect a banner again."""
        self._buf.clear()
        self._at_start = True
        self._discarding = False
        self.banner = None

    def _take_banner(self) -> bool:
        buf = self._buf
        if len(buf) < len(BANNER_PREFIX) and BANNER_PREFIX.startswith(bytes(buf)):
            return False  # too early to tell
        self._at_start = False
        if buf.startswith(BANNER_PREFIX):
            eol = buf.find(b"\r\n")
            if eol < 0:
                if len(buf) > self.max_frame:
                    self.stats.rejected += 1
                    buf.clear()
                    return True
                self._at_start = True
                return False
            self.banner = buf[:eol].decode("utf-8", "replace")
            del buf[: eol + 2]
        return True

    def _parse(self, raw: bytes) -> Frame | None:
        if self.noise is not None and self.noise(raw):
            self.stats.shallow += 1
            self.stats.frames += 1
            eol = raw.find(b"\r\n")
            first = raw[7 : eol if eol >= 0 else len(raw)].decode("utf-8", "replace")
            shallow: Frame = [("Event", first)]
            # unsolicited events (nearly all noise) have no ActionID: a plain search, no regex
            if b"\r\nActionID: " in raw and (action_id := _ACTION_ID.search(raw)):
                shallow.append(("ActionID", action_id.group(1).decode("utf-8", "replace")))
            return shallow
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.stats.bad_utf8 += 1
            text = raw.decode("utf-8", "replace")
        frame = _headers(text)
        lines = text.count("\r\n") + 1
        if len(frame) != lines:
            self.stats.bad_lines += lines - len(frame)
        if not frame:
            self.stats.rejected += 1
            return None
        self.stats.frames += 1
        return frame


def _headers(text: str) -> Frame:
    """``Key: Value`` pairs, in linear time. Reads exactly as the regex
    ``([^:\r\n]+):[ ]?([^\r\n]*)`` did with ``findall`` (a lone CR or LF also ends a line;
    leading colons are skipped), which backtracked quadratically on a long line without a
    colon (60 KB: about 70 s on the event loop; found by bench/fuzz.py)."""
    frame: Frame = []
    for line in _BREAK.split(text):
        key, sep, value = line.lstrip(":").partition(":")
        if sep and key:
            frame.append((key, value[1:] if value.startswith(" ") else value))
    return frame


def parse_stream(
    data: bytes, *, max_frame: int = 64 * 1024, noise: Noise | None = None
) -> tuple[list[Frame], FrameStats]:
    """All frames of a recorded byte stream (an ``.ami`` file)."""
    parser = FrameParser(max_frame=max_frame, noise=noise)
    frames = parser.feed(data)
    return frames, parser.stats
