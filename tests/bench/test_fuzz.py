"""A bounded slice of the fuzz campaign (``python -m bench.fuzz`` runs 100,000 cases per
target): mutated AMI traffic and FastAGI environments never break the readers' promises."""

from __future__ import annotations

import pytest

from bench.fuzz import run


@pytest.mark.parametrize("target", ["ami", "agi"])
def test_a_slice_of_the_fuzz_campaign(target: str) -> None:
    report = run(target, 4000, seed=19)
    assert report.cases == 4000
    assert [problem for _data, problem in report.failures] == []
