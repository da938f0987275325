"""The Translator: one AMI frame in, the facts it means out (domain events and bridge facts).

The frame's ``Event`` picks a handler from ``HANDLERS``, the union of the family modules' tables;
this module owns what every event shares: counting, the clock (``stamp``), the source id and
the call id (``base``). See the package docstring for the promises.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callcenter.ami import facts as f
from callcenter.ami.frames import Frame
from callcenter.ami.translate import agents, channels, members, queue_callers, resync
from callcenter.ami.translate.fields import Handler, UnparsableError
from callcenter.ami.translate.noise import is_queue_status
from callcenter.ami.translate.queue_callers import queue_full
from callcenter.domain.events import Clock


@dataclass
class TranslateStats:
    events: int = 0
    responses: int = 0
    ignored: int = 0
    translated: int = 0
    unparsable: int = 0


class Translator:
    def __init__(self, *, dedupe_window: int = 200_000) -> None:
        self.stats = TranslateStats()
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._window = dedupe_window

    def translate(self, frame: Frame, received_at: datetime) -> list[f.Fact]:
        key, name = frame[0]
        if key != "Event":
            if key == "Response":
                self.stats.responses += 1
                return []
            # list events may put ActionID first
            name = next((v for k, v in frame if k == "Event"), "")
            if not name:
                self.stats.unparsable += 1
                return []
        self.stats.events += 1
        handler = HANDLERS.get(name)
        if handler is None:
            if name != "VarSet" or not is_queue_status(frame):
                self.stats.ignored += 1
                return []
            handler = queue_full
        headers = dict(frame)
        try:
            out = handler(self, headers, received_at)
        except (KeyError, ValueError, OverflowError, OSError):  # bad numbers, timestamps
            self.stats.unparsable += 1
            return []
        self.stats.translated += 1
        return out

    def new_stream(self) -> None:
        """A new recorded stream (ingest): identical frames are counted again from one, so the
        same bytes replayed give the same source ids even within one run."""
        self._seen.clear()

    def stamp(self, h: dict[str, str], received_at: datetime) -> f.Stamp:
        ts = h.get("Timestamp")
        if ts:
            at, clock = datetime.fromtimestamp(float(ts), UTC), Clock.PBX
        else:
            at, clock = received_at, Clock.ARRIVAL
        return f.Stamp(at=at, received_at=received_at, clock=clock, source_id=self._source_id(h))

    def _source_id(self, h: dict[str, str]) -> str:
        digest = hashlib.blake2b(digest_size=12)
        for k, v in h.items():
            if k != "ActionID":
                digest.update(f"{k}\0{v}\n".encode())
        key = digest.hexdigest()
        if h.get("Timestamp"):
            # Asterisk's microsecond Timestamp tells two real events apart: identical frames
            # that carry one are the same event seen twice (a call repeated in one stream).
            return key
        n = self._seen.get(key, 0) + 1
        self._seen[key] = n
        if len(self._seen) > self._window:
            self._seen.popitem(last=False)
        return key if n == 1 else f"{key}#{n}"

    def base(
        self, h: dict[str, str], received_at: datetime, linkedid: str = "Linkedid"
    ) -> dict[str, Any]:
        s = self.stamp(h, received_at)
        call_id = h[linkedid]
        if not call_id:
            raise UnparsableError(linkedid)
        return {
            "call_id": call_id,
            "at": s.at,
            "received_at": s.received_at,
            "clock": s.clock,
            "source_id": s.source_id,
        }


def _merge(*tables: dict[str, Handler]) -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        assert not twice, f"events handled twice: {sorted(twice)}"
        merged.update(table)
    return merged


HANDLERS: dict[str, Handler] = _merge(
    channels.HANDLERS,
    queue_callers.HANDLERS,
    agents.HANDLERS,
    members.HANDLERS,
    resync.HANDLERS,
)
