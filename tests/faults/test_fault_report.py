"""The fault report's accounting, on a run without a fault: a real ``callcenter serve`` on its
own PostgreSQL and Redis against the simulator records every call offered, every step of the
reference, once, with the right outcome, and the PBX's queue_log has every call."""

from __future__ import annotations

import pytest

from bench.fault_report import render, run_fault

pytestmark = pytest.mark.slow


async def test_without_a_fault_nothing_is_lost_or_doubled() -> None:
    result = await run_fault("none", calls=8, seed=7, fault_at=0.5, down=0.0, period=1, settle=2)
    assert result.offered == result.recorded == 8
    assert (result.missing, result.steps_lost, result.steps_duplicated) == (0, 0, 0)
    assert result.steps_reference >= 8 * 5  # entered, queued, offered, answered/abandoned, ...
    assert result.wrong_outcomes == 0 and result.extra_steps == {}
    assert result.pbx_queue_log_calls == 8
    assert result.bridge_restarts == 0
    assert "none" in render([result])
