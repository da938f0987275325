"""The Translator: one AMI frame in, the facts it means out (domain events and bridge facts).

The frame's ``Event`` picks a handler from ``HANDLERS``, the union of the family modules' tables
(they export plain functions and never import this registry); this module counts, and hands
each handler the ``Stamper`` (``stamps.py``: the clock, the source id and the call id every
event shares). See the package docstring for the promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.ami import facts as f
from callcenter.ami.frames import Frame
from callcenter.ami.translate import agents, channels, members, originate, queue_callers, resync
from callcenter.ami.translate.noise import is_queue_status
from callcenter.ami.translate.queue_callers import queue_full
from callcenter.ami.translate.stamps import Handler, Stamper


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
        self.stamps = Stamper(dedupe_window=dedupe_window)

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
            out = handler(self.stamps, headers, received_at)
        except (KeyError, ValueError, OverflowError, OSError):  # bad numbers, timestamps
            self.stats.unparsable += 1
            return []
        self.stats.translated += 1
        return out

    def new_stream(self) -> None:
        """A new recorded stream (ingest): identical frames are counted again from one, so the
        same bytes replayed give the same source ids even within one run."""
        self.stamps.new_stream()


def _merge(*tables: dict[str, Handler]) -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        assert not twice, f"events handled twice: {sorted(twice)}"
        merged.update(table)
    return merged


HANDLERS: dict[str, Handler] = _merge(
    channels.HANDLERS,
    originate.HANDLERS,
    queue_callers.HANDLERS,
    agents.HANDLERS,
    members.HANDLERS,
    resync.HANDLERS,
)
