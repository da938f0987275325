"""The benchmark's AMI stream: clones of the recorded calls are distinct calls, and the
offline pipeline takes every one of them without an anomaly (no timing here)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

from bench.ami_stream import SOURCES, TRANSCRIPTS, build_stream, unsolicited_events
from bench.live_bench import queues_conf
from callcenter.ami.bridge import Bridge
from callcenter.ami.frames import parse_stream
from callcenter.ami.seat_board import LiveSeatBoard
from callcenter.ami.translate import is_noise
from callcenter.sim.config import parse_queues_conf

UNIQUEID = re.compile(rb"\r\nUniqueid: ([^\r]+)")
LINKEDID = re.compile(rb"\r\nLinkedid: ([^\r]+)")
TIMESTAMP = re.compile(rb"\r\nTimestamp: ([^\r]+)")


def test_clones_never_share_a_call_and_keep_pbx_timestamps() -> None:
    body, count = build_stream(12_000)
    frames = [f for f in body.split(b"\r\n\r\n") if f]
    assert len(frames) == count >= 12_000
    # Each Linkedid (call) belongs to exactly one clone: its events form one contiguous run.
    owner: dict[bytes, int] = {}
    clone = -1
    per_clone = [len(unsolicited_events((TRANSCRIPTS / n).read_bytes())) for n in SOURCES]
    bounds, total, k = [], 0, 0
    while total < count:
        total += per_clone[k % len(per_clone)]
        bounds.append(total)
        k += 1
    for i, frame in enumerate(frames):
        while clone < 0 or i >= bounds[clone]:
            clone += 1
        for linked in LINKEDID.findall(b"\r\n" + frame):
            assert owner.setdefault(linked, clone) == clone, linked
    assert len(set(owner.values())) == len(bounds)
    # Timestamps stay epoch seconds with six decimals (the id rewrite must not touch them).
    stamps = TIMESTAMP.findall(body)
    assert stamps and all(re.fullmatch(rb"\d{10}\.\d{6}", s) for s in stamps)


def test_the_bridge_takes_every_clone_without_an_anomaly() -> None:
    body, _ = build_stream(8_000)
    emitted: list[object] = []
    bridge = Bridge(emitted.append, LiveSeatBoard(), offline=True)
    frames, stats = parse_stream(body, noise=is_noise)
    assert stats.rejected == 0
    now = datetime.now(UTC)
    for frame in frames:
        bridge.on_frame(frame, now)
    by_call: dict[str, list[str]] = defaultdict(list)
    for event in emitted:
        by_call[event.call_id].append(type(event).__name__)  # type: ignore[attr-defined]
    calls = {m.decode() for m in LINKEDID.findall(body)}
    assert set(by_call) == calls
    assert all(kinds[0] == "CallEntered" and "LineEnded" in kinds for kinds in by_call.values())


def test_tenfold_queues_conf_has_200_seats_and_room_for_600() -> None:
    queues = parse_queues_conf(queues_conf(200, 600))
    line19 = queues["line19"]
    assert line19.maxlen == 600
    assert len(line19.members) == 200
    assert len({m.interface for m in line19.members}) == 200
