"""Issue 15, done when: a fault in the middle of a burst costs nothing. The PBX simulator and
a real ``callcenter serve`` on a PostgreSQL and a Redis of their own (``bench/fault_report``:
the simulator writes Asterisk's queue_log and cel rows into callcenter's database, serve
reconciles from them on every AMI (re)connection); one fault 3 s into a burst of 24 calls
(5 s down). Each run: every call the PBX offered is recorded, with the outcome and the hold and talk
times the PBX gave it; no step of the reference (what callcenter stores from the complete AMI
stream) is lost or stored twice (kind and time); every timeline's hash chain verifies; the
bridge is logged in within a second of the PBX accepting connections."""

from __future__ import annotations

import pytest

from bench.fault_report import Outcome, run_fault

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

CALLS = 24
QUICK = {"period": 1.0, "settle": 2.0}  # PBX_LOG__* periodic runs: sooner than a room's


def assert_nothing_lost(r: Outcome) -> None:
    assert r.offered == CALLS, r
    assert (r.recorded, r.missing) == (CALLS, 0), r
    assert (r.steps_lost, r.steps_duplicated) == (0, 0), (r.lost_detail, r.duplicated_detail,
                                                          r.calls_off)  # fmt: skip
    assert r.wrong_outcomes == 0, r.wrong_detail
    assert r.wrong_times == 0, r
    assert r.chains_broken == 0, r
    assert r.steps_reference >= CALLS * 5
    assert r.login_seconds["start"] < 1.0, r.login_seconds


async def test_kill_9_of_the_bridge_mid_burst_and_restart() -> None:
    r = await run_fault("bridge-kill", calls=CALLS, seed=1001, fault_at=3, down=5, **QUICK)
    assert_nothing_lost(r)
    assert r.bridge_restarts == 1
    assert r.steps_reconstructed > 0  # the calls that began and ended in the gap came back


async def test_ami_cut() -> None:
    r = await run_fault("ami-cut", calls=CALLS, seed=1002, fault_at=3, down=0, **QUICK)
    assert_nothing_lost(r)
    assert r.login_seconds["reconnect"] < 1.0, r.login_seconds


async def test_postgresql_restart() -> None:
    r = await run_fault("postgres-restart", calls=CALLS, seed=1003, fault_at=3, down=5, **QUICK)
    assert_nothing_lost(r)


async def test_redis_restart() -> None:
    r = await run_fault("redis-restart", calls=CALLS, seed=1004, fault_at=3, down=5, **QUICK)
    assert_nothing_lost(r)


async def test_kill_9_of_a_single_host_bridge_on_sqlite_reading_the_queue_log_file() -> None:
    r = await run_fault(
        "bridge-kill", calls=CALLS, seed=1005, fault_at=3, down=5, sqlite=True, **QUICK
    )
    assert_nothing_lost(r)
    assert r.steps_reconstructed > 0
