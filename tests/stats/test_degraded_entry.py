"""Which entry decisions the wallboard's ``agi_degraded`` alert counts."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.stats.board_source import degraded_entry


@pytest.mark.parametrize(
    ("payload", "counted"),
    [
        ({"degraded": True, "notes": []}, True),  # safe defaults: the store was down
        ({"degraded": False, "notes": ["repeat_lookup_from_memory"]}, True),
        ({"degraded": False, "notes": ["room_from_snapshot: 2.5 s old"]}, True),
        ({"degraded": False, "notes": ["retry_unreadable: 'x'"]}, False),
        ({"degraded": False, "notes": []}, False),
        ({"degraded": False}, False),  # older rows have no notes
        ({"notes": [3, None]}, False),  # garbage in a payload is not an alert
        (None, False),
        ("degraded", False),
    ],
)
def test_degraded_entry(payload: Any, counted: bool) -> None:
    assert degraded_entry(payload) is counted
