"""The burst benchmark's PBX: calls cut out of a real Asterisk 20 recording and cloned."""

from __future__ import annotations

import re

from bench.burst_pbx import RECORDING, schedule, split_calls
from callcenter.ami.frames import parse_stream
from callcenter.ami.translate import is_noise

LINKEDID = re.compile(rb"\r\nLinkedid: ([^\r]+)")


def test_the_recording_splits_into_its_40_calls_with_every_call_frame() -> None:
    raw = RECORDING.read_bytes()
    calls = split_calls(raw)
    assert len(calls) == 40  # NOTES.txt: 40 calls originated, 40 in the PBX's truth
    for frames in calls:
        ids = {m.group(1) for f in frames if (m := LINKEDID.search(f))}
        assert len(ids) == 1  # a call's frames are its own (and its seats' legs, same Linkedid)
    assert sum(len(c) for c in calls) > 6000


def test_a_burst_of_60_is_60_distinct_calls_within_the_window_with_real_noise() -> None:
    plan = schedule(60, 2.0, RECORDING.read_bytes())
    starts: dict[int, float] = {}
    linked: dict[int, set[bytes]] = {}
    for s in plan:
        starts.setdefault(s.call, s.at)
        if m := LINKEDID.search(s.frame.head + s.frame.tail):
            linked.setdefault(s.call, set()).add(m.group(1))
    assert sorted(starts) == list(range(60))
    assert max(starts.values()) < 2.0  # every call has arrived within 2 s
    assert [s.at for s in plan] == sorted(s.at for s in plan)
    assert all(len(ids) == 1 for ids in linked.values())
    assert len(set.union(*linked.values())) == 60  # clones never share a call id
    assert sum(s.frame.agi for s in plan) == 60  # one FastAGI session per call
    noise = sum(s.frame.noise for s in plan) / len(plan)
    assert 0.85 < noise < 0.95  # as the recording: about 9 frames in 10 are dialplan noise


def test_the_frames_written_parse_as_the_recording_did() -> None:
    plan = schedule(3, 2.0, RECORDING.read_bytes())
    body = b"".join(s.frame.head + b"1796155260.123456" + s.frame.tail for s in plan)
    frames, stats = parse_stream(b"Asterisk Call Manager/9.0.0\r\n" + body, noise=is_noise)
    assert len(frames) == len(plan) and stats.rejected == 0 and stats.bad_lines == 0
    stamped = [dict(f).get("Timestamp") for f in frames if len(f) > 2]
    assert stamped and all(t == "1796155260.123456" for t in stamped)
