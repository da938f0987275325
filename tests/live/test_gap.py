"""What a reader of the live log concludes from a message that does not follow the last one."""

from __future__ import annotations

import pytest

from callcenter.live.hub import Reset, Trimmed, gap
from callcenter.live.messages import LiveMessage


def message(seq: int, prev: int | None) -> LiveMessage:
    return LiveMessage(seq=seq, prev=prev, topic="call", kind="tick", at="2026-12-01T00:00:00Z")


@pytest.mark.parametrize(
    ("last", "seq", "prev", "expected"),
    [
        (7, 8, 7, None),  # the next one
        (7, 1_000, 7, None),  # numbers may skip; the link says nothing is missing
        (7, 9, None, None),  # an entry of an older version: nothing to tell
        (7, 20, 12, Trimmed(after=7, first_available=20)),  # 8..12 are no longer kept
        (7, 1_000, 0, Reset(requested=7, head=0)),  # the log restarted empty
        (7, 1_000, 5, Reset(requested=7, head=5)),  # it came back without its last writes
        (0, 3, 0, None),  # a new reader from the start
    ],
)
def test_gap(last: int, seq: int, prev: int | None, expected: object) -> None:
    assert gap(last, message(seq, prev)) == expected
