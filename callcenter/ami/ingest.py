"""Offline replay of recorded raw AMI byte streams (``.ami`` files) through the live path.

Same parser, translator, bridge, runner and store as ``serve``: only the transport differs.
Each file is one AMI connection; the end of a file is a disconnection, so a recording split
at a reconnect (``ts-reconnect.ami`` then ``ts-reconnect-2.ami``) shows the gap and resync.
Replaying the same bytes again adds nothing (stable source ids; the store dedupes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from callcenter.ami.bridge import Bridge
from callcenter.ami.frames import FrameParser
from callcenter.ami.translate import is_noise
from callcenter.pipeline.runner import OrderedRunner

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


@dataclass
class IngestReport:
    files: int = 0
    bytes: int = 0
    frames: int = 0
    rejected: int = 0
    bad_utf8: int = 0
    errors: int = 0
    per_file: dict[str, int] = field(default_factory=dict)


async def ingest_streams(
    streams: Iterable[tuple[str, bytes]], bridge: Bridge, runner: OrderedRunner
) -> IngestReport:
    report = IngestReport()
    for name, data in streams:
        parser = FrameParser(noise=is_noise)
        bridge.translator.new_stream()
        count = 0
        for start in range(0, len(data), CHUNK):
            received_at = datetime.now(UTC)
            for frame in parser.feed(data[start : start + CHUNK]):
                try:
                    bridge.on_frame(frame, received_at)
                except Exception:  # a bug must not stop an audit replay: count and go on
                    report.errors += 1
                    log.exception("frame skipped in %s", name)
                count += 1
            if runner.backlog() >= runner.batch_size:
                # One batch's worth queued: let the runner write it as one transaction
                # (and keep memory bounded); the order is kept either way.
                await runner.drain()
        bridge.disconnected()
        await runner.drain()
        report.files += 1
        report.bytes += len(data)
        report.frames += count
        report.rejected += parser.stats.rejected
        report.bad_utf8 += parser.stats.bad_utf8
        report.per_file[name] = count
    return report


async def ingest_files(
    paths: Iterable[Path], bridge: Bridge, runner: OrderedRunner
) -> IngestReport:
    return await ingest_streams(((str(p), p.read_bytes()) for p in paths), bridge, runner)
