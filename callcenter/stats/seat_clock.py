"""How long each seat has been in its state: pure bookkeeping over successive seat boards.

The seat board (``SeatBoard``) knows each seat's state but not since when. ``advance`` compares
a new board with what was seen before and returns, for each seat, its state and the time it
entered it, plus the seats that changed (to publish). A seat seen for the first time is dated
``now`` (we do not know better). A change of the call on a seat counts as a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.seats import Seat


@dataclass(frozen=True, kw_only=True)
class SeatSince:
    state: str
    paused_reason: str | None
    call_id: str | None
    since: datetime

    def same(self, seat: Seat) -> bool:
        return (self.state, self.paused_reason, self.call_id) == (
            seat.state.value,
            seat.paused_reason,
            seat.call_id,
        )


def advance(
    previous: Mapping[str, SeatSince], seats: Sequence[Seat], now: datetime
) -> tuple[dict[str, SeatSince], list[tuple[str, SeatSince]]]:
    """The seats' states with their start times, and the (name, state) pairs that changed."""
    current: dict[str, SeatSince] = {}
    changed: list[tuple[str, SeatSince]] = []
    for seat in seats:
        before = previous.get(seat.name)
        if before is not None and before.same(seat):
            current[seat.name] = before
            continue
        since = SeatSince(
            state=seat.state.value,
            paused_reason=seat.paused_reason,
            call_id=seat.call_id,
            since=now,
        )
        current[seat.name] = since
        changed.append((seat.name, since))
    return current, changed
