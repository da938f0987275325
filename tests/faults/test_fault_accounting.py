"""How the fault report counts (``bench/fault_report.compare_steps``): a step is there when a
stored step of its kind has its time within the tolerance, whatever its clock (a step
reconstructed from the PBX's log stands for the live one); a live step and a reconstructed
one for the same PBX fact are one step and one duplicate; a step at the wrong time is lost
and its stand-in a duplicate, unless the stand-in was inferred at a resync (there, time
unknown: counted apart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.fault_report import Step, compare_steps

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def at(seconds: float, kind: str, clock: str = "pbx") -> Step:
    return Step(kind, T0 + timedelta(seconds=seconds), clock)


REFERENCE = [at(0, "entered"), at(0, "queued"), at(3, "answered"), at(9, "line_ended")]


def test_a_reconstructed_step_stands_for_the_live_one() -> None:
    stored = [at(0, "entered"), at(0, "queued"), at(3.9, "answered", "pbx-log"),
              at(9, "line_ended", "pbx-log"), at(12, "lost", "inferred")]  # fmt: skip
    count = compare_steps(REFERENCE, stored)
    assert (count.lost, count.duplicated, count.inferred_time) == ({}, {}, {})
    assert count.extra == {"lost": 1}


def test_the_same_fact_live_and_reconstructed_is_a_duplicate() -> None:
    stored = [*REFERENCE, at(3, "answered", "pbx-log")]
    count = compare_steps(REFERENCE, stored)
    assert (dict(count.lost), dict(count.duplicated)) == ({}, {"answered": 1})


def test_a_step_at_the_wrong_time_is_lost_and_its_stand_in_a_duplicate() -> None:
    stored = [at(0, "entered"), at(0, "queued"), at(6, "answered", "pbx-log"), at(9, "line_ended")]
    count = compare_steps(REFERENCE, stored)
    assert (dict(count.lost), dict(count.duplicated)) == ({"answered": 1}, {"answered": 1})


def test_a_step_inferred_at_a_resync_is_there_at_an_unknown_time() -> None:
    stored = [at(0, "entered"), at(7, "queued", "inferred"), at(7, "answered", "inferred"),
              at(9, "line_ended")]  # fmt: skip
    count = compare_steps(REFERENCE, stored)
    assert (dict(count.lost), dict(count.duplicated)) == ({}, {})
    assert dict(count.inferred_time) == {"queued": 1, "answered": 1}


def test_a_missing_step_is_lost() -> None:
    count = compare_steps(REFERENCE, REFERENCE[:2])
    assert dict(count.lost) == {"answered": 1, "line_ended": 1}
