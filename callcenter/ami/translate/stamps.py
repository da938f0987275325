"""What every AMI event shares, computed for its handler: the clock, the source id, the call id.

A ``Stamper`` belongs to one ``Translator`` (it remembers which identical frames it has seen)
and is handed to each family's handlers (``Handler``), which never import the translator.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from callcenter.ami import facts as f
from callcenter.ami.translate.fields import UnparsableError
from callcenter.domain.events import Clock


class Stamper:
    def __init__(self, *, dedupe_window: int = 200_000) -> None:
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._window = dedupe_window

    def new_stream(self) -> None:
        """Identical frames are counted again from one (see ``Translator.new_stream``)."""
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


Handler = Callable[[Stamper, dict[str, str], datetime], list[f.Fact]]
