"""The sans-I/O parser: any byte split gives the same frames; garbage is counted, never raised."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from callcenter.ami.bridge import Bridge
from callcenter.ami.frames import FrameParser, parse_stream
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.ami.translate import HANDLERS, Translator
from tests.ami.conftest import FIXTURES

SAMPLE = (FIXTURES / "ts-single-answered.ami").read_bytes()
ARABIC = (
    b"Asterisk Call Manager/9.0.0\r\n"
    b"Event: NewCallerid\r\nCallerIDName: \xd8\xb9\xd9\x84\xd9\x8a\r\nUniqueid: 1.1\r\n\r\n"
)


def feed_in_pieces(data: bytes, cuts: list[int]) -> list[list[tuple[str, str]]]:
    parser = FrameParser()
    frames = []
    last = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        frames += parser.feed(data[last:cut])
        last = cut
    return frames


def test_banner_and_frames() -> None:
    parser = FrameParser()
    frames = parser.feed(SAMPLE)
    assert parser.banner == "Asterisk Call Manager/9.0.0"
    assert frames[0][:2] == [("Response", "Success"), ("ActionID", "ts-single-answered-1")]
    assert parser.stats.rejected == 0
    assert ("AccountCode", "") in frames[5]  # "AccountCode: " keeps its empty value


def test_multibyte_character_split_across_reads_is_kept() -> None:
    split = ARABIC.index(b"\xd9\x84") + 1  # in the middle of a two-byte letter
    frames = feed_in_pieces(ARABIC, [split])
    assert frames == [[("Event", "NewCallerid"), ("CallerIDName", "علي"), ("Uniqueid", "1.1")]]


def test_megabyte_header_line_is_rejected_and_parsing_goes_on() -> None:
    huge = b"Event: Hangup\r\nJunk: " + b"x" * 1_000_000 + b"\r\n\r\n"
    after = b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
    for pieces in ([huge + after], [huge[:70_000], huge[70_000:], after]):
        parser = FrameParser()
        frames = [f for piece in pieces for f in parser.feed(piece)]
        assert frames == [[("Event", "FullyBooted"), ("Status", "Fully Booted")]]
        assert parser.stats.rejected == 1


def test_non_utf8_is_counted_and_the_frame_kept() -> None:
    frames, stats = parse_stream(b"Event: Hangup\r\nCallerIDName: caf\xe9\r\nUniqueid: 9.9\r\n\r\n")
    assert stats.bad_utf8 == 1
    assert frames == [[("Event", "Hangup"), ("CallerIDName", "caf\ufffd"), ("Uniqueid", "9.9")]]


def test_truncated_frame_is_held_not_emitted() -> None:
    frames, _ = parse_stream(SAMPLE[: SAMPLE.index(b"Event: AgentCalled") + 40])
    assert all(f[0] != ("Event", "AgentCalled") for f in frames)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=40))
def test_any_split_gives_the_same_frames(cuts: list[int]) -> None:
    assert feed_in_pieces(SAMPLE, cuts) == parse_stream(SAMPLE)[0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20), st.binary(max_size=50))
def test_garbage_never_raises(chunks: list[bytes], tail: bytes) -> None:
    parser = FrameParser(max_frame=512)
    translator = Translator()
    now = datetime.now(UTC)
    good = b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
    frames = []
    for chunk in [*chunks, b"\r\n\r\n", good, tail]:
        for frame in parser.feed(chunk):
            frames.append(frame)
            translator.translate(frame, now)  # must not raise either
    # Whatever came before, a well-formed frame after a frame boundary still comes through.
    assert [("Event", "FullyBooted"), ("Status", "Fully Booted")] in frames


HEADERS = [
    "Timestamp", "Linkedid", "Uniqueid", "Channel", "Queue", "MemberName", "Name", "Interface",
    "Location", "Position", "Count", "OriginalPosition", "HoldTime", "TalkTime", "RingTime",
    "Status", "Paused", "InCall", "Duration", "BridgeId", "Application", "ApplicationData",
    "Result", "TransfereeLinkedid", "DestLinkedid", "DestUniqueid", "Variable", "Value",
    "CallerIDNum", "Cause", "Wait", "Priority", "ActionID",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["", "1", "0", "1795319769.48", "1e308", "-1", "nan", "99:99:99", "Queue"]),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*sorted(HANDLERS), "VarSet", "Nope"]),
            st.lists(st.tuples(st.sampled_from(HEADERS), VALUES), max_size=12),
        ),
        max_size=25,
    )
)
def test_bridge_survives_any_sequence_of_plausible_frames(
    frames: list[tuple[str, list[tuple[str, str]]]],
) -> None:
    emitted: list[object] = []
    bridge = Bridge(emitted.append, LiveSeatBoard())
    now = datetime.now(UTC)
    for name, headers in frames:
        bridge.on_frame([("Event", name), *headers], now)
    bridge.disconnected(now)
    bridge.on_frame([("Event", "CoreShowChannelsComplete")], now)


def test_a_long_line_without_a_colon_costs_linear_time() -> None:
    # Found by the fuzz campaign (bench/fuzz.py): the header regex backtracked on a line with
    # no ':', quadratic in its length: 60 KB took about 70 s on the event loop.
    parser = FrameParser()
    started = time.perf_counter()
    frames = parser.feed(b"Event: Probe\r\n" + b"a" * 60_000 + b"\r\nX: 1\r\n\r\n")
    assert time.perf_counter() - started < 1.0
    assert frames == [[("Event", "Probe"), ("X", "1")]]
    assert parser.stats.bad_lines == 1


_OLD_LINE = re.compile(r"([^:\r\n]+):[ ]?([^\r\n]*)")


@given(st.text(alphabet=st.sampled_from(list("ab :\r\n\x00é")), max_size=80))
def test_headers_read_as_the_former_regex_did(text: str) -> None:
    frame = "Event: X\r\n" + text
    assume("\r\n\r\n" not in frame + "\r\n" and not text.endswith("\r"))  # one frame
    parser = FrameParser()
    frames = parser.feed(frame.encode() + b"\r\n\r\n")
    assert frames == [_OLD_LINE.findall(frame)]
