"""The incident bench's figures: precision and recall at the first suggestion as its docstring
defines them, and a short run of the real path on a slice of the mass-casualty ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.incident_bench import Score, run
from callcenter.sim.incident_truth import load_truth, reports


@pytest.mark.parametrize(
    ("rows", "precision", "recall"),
    [
        # (first suggestion, the incident the call truly belongs to)
        ([("I-1", "I-1"), ("I-1", "I-1")], 1.0, 1.0),
        ([("I-1", None), ("I-1", "I-1")], 0.5, 1.0),  # suggested for an unrelated call
        ([(None, "I-1"), ("I-1", "I-1")], 1.0, 0.5),  # nothing suggested for a member
        ([("I-2", "I-1"), (None, None)], 0.0, 0.0),  # the wrong incident: both suffer
        ([(None, None)], 1.0, 1.0),  # nothing to find, nothing suggested
    ],
)
def test_precision_and_recall(
    rows: list[tuple[str | None, str | None]], precision: float, recall: float
) -> None:
    score = Score()
    for first, truth in rows:
        score.add(first, truth, {})
    assert (score.precision, score.recall) == (precision, recall)


async def test_a_slice_of_the_bench(tmp_path: Path) -> None:
    truth = load_truth("mass-casualty")
    calls = reports(truth)
    result = await run("mass-casualty", f"sqlite+aiosqlite:///{tmp_path}/bench.db", limit=60)
    sliced = calls[:60]
    firsts: set[str] = set()
    belonging = 0
    for call in sliced:
        if call.event:
            belonging += call.event in firsts
            firsts.add(call.event)
    unrelated = sum(1 for c in sliced if c.event is None)
    assert result["calls"] == 60
    assert result["suggestion"]["belonging"] == belonging
    # dispatch works on incidents: one ticket per event, one per unrelated call
    assert result["tickets_opened"] == len(firsts) + unrelated == result["tickets_expected"]
    assert result["largest_incident_callers"] >= 10
