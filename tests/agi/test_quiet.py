from __future__ import annotations

import logging

import pytest

from callcenter.agi.quiet import Quiet


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_of_the_same_warning_is_written_once_a_second(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    quiet = Quiet(logging.getLogger("test.quiet"), interval=1.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.quiet"):
        for i in range(60):
            quiet.warning("overran", "session %d cut", i)
        quiet.warning("env", "environment refused")  # another kind is not held back
        clock.t += 1.5
        quiet.warning("overran", "session %d cut", 60)
    assert [r.getMessage() for r in caplog.records] == [
        "session 0 cut",
        "environment refused",
        "session 60 cut (59 more like it left out in the last 1.5 s)",
    ]
