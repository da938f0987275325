"""Reason codes: refused when no screen could show them, stored with the step as plain JSON,
and every one translated by the web panel's catalogues (fr, ar, en) with the same params."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from callcenter.domain import events as ev
from callcenter.domain.effects import AppendTimeline
from callcenter.domain.entry_reasons import ENGLISH, english, reason
from callcenter.domain.lifecycle import transition
from tests.domain.factories import make

I18N = Path(__file__).parents[2] / "web" / "src" / "i18n"
CODES = (
    reason("callback_after_abandon", count=2, minutes=30),
    reason("room_queued", occupancy=4, capacity=60),
    reason("priority", priority=10),
)


def test_a_code_no_screen_knows_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown entry reason code 'moon_phase'"):
        reason("moon_phase")
    with pytest.raises(ValueError, match=r"needs param\(s\) \['capacity'\]"):
        reason("room_queued", occupancy=3)


def test_the_decision_step_carries_the_codes_as_json() -> None:
    event = make(ev.CallEntered, route="queue", reason=english(CODES), reason_codes=CODES)
    _, effects = transition(None, event)
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.kind == "entry_decision"
    assert step.payload["reason"] == (
        "calling back after an abandoned call (2 in 30 min); room 4/60: queued; priority 10"
    )
    stored = json.loads(json.dumps(step.payload))  # what the timeline column holds
    assert stored["reason_codes"] == [
        {"code": "callback_after_abandon", "params": {"count": 2, "minutes": 30}},
        {"code": "room_queued", "params": {"occupancy": 4, "capacity": 60}},
        {"code": "priority", "params": {"priority": 10}},
    ]


def test_the_pbx_report_of_the_entry_has_no_codes() -> None:
    _, effects = transition(None, make(ev.CallEntered))  # the bridge's: no decision
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.kind == "entered"
    assert "reason_codes" not in step.payload and "reason" not in step.payload


def test_an_overflow_round_carries_its_codes() -> None:
    call, _ = transition(None, make(ev.CallEntered, route="overflow", reason="room full"))
    codes = (
        reason("room_full_overflow", occupancy=61, capacity=60),
        reason("priority", priority=0),
    )
    _, effects = transition(call, make(ev.OverflowRound, reason=english(codes), reason_codes=codes))
    step = next(e for e in effects if isinstance(e, AppendTimeline))
    assert step.kind == "overflow_round"
    assert [c["code"] for c in json.loads(json.dumps(step.payload))["reason_codes"]] == [
        "room_full_overflow",
        "priority",
    ]


def _catalogue(lang: str) -> dict[str, str]:
    text = (I18N / f"entryReasons.{lang}.ts").read_text(encoding="utf-8")
    return {k: v for k, v in re.findall(r"'(entry\.[\w.]+)': ['\"](.*)['\"],$", text, re.M)}


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_web_catalogues_translate_every_code_with_its_params(lang: str) -> None:
    catalogue = _catalogue(lang)
    shown = {k.removeprefix("entry.reason."): v for k, v in catalogue.items() if ".reason." in k}
    assert set(shown) == set(ENGLISH), "web/src/i18n/entryReasons.*.ts against entry_reasons.py"
    for code, text in shown.items():
        params = sorted(re.findall(r"\{(\w+)\}", text))
        assert params == sorted(re.findall(r"\{(\w+)\}", ENGLISH[code])), f"{lang} {code}"
