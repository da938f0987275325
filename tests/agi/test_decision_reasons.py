"""The entry decision says why as codes, and its English sentence is rendered from them: the
same sentence as before the codes existed (auditors' exports compare them), word for word."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from callcenter.agi.admission import Admission
from callcenter.agi.decision import PriorityPolicy, decide, safe_default
from callcenter.agi.lookups import PriorCall
from callcenter.agi.numbers import classify
from callcenter.domain.entry_reasons import ReasonCode

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
MOBILE = classify("0612345678")


def prior(call_id: str, state: str = "closed") -> PriorCall:
    return PriorCall(id=call_id, rang_at=NOW, state=state, outcome=state)


def rc(code: str, **params: str | int) -> ReasonCode:
    return ReasonCode(code, params)


Case = tuple[str, str, Sequence[PriorCall] | None, Admission | None, list[ReasonCode], str]
CASES: list[Case] = [
    (
        "withheld, room full",
        "anonymous",
        None,
        Admission(False, 61, 60),
        [
            rc("caller_id_kind", kind="withheld"),
            rc("room_full_overflow", occupancy=61, capacity=60),
            rc("priority", priority=0),
        ],
        "caller ID withheld: no repeat lookup; room full 61/60: overflow path (announcement "
        "and retry, the caller stays on the line); priority 0",
    ),
    (
        "invalid number, room count unavailable",
        "0500000004",
        [],
        None,
        [rc("caller_id_kind", kind="invalid"), rc("room_unavailable"), rc("priority", priority=0)],
        "caller ID invalid: no repeat lookup; room count unavailable: queued (Asterisk maxlen "
        "still applies); priority 0",
    ),
    (
        "repeat lookup failed",
        "0612345678",
        None,
        Admission(True, 3, 60),
        [
            rc("repeat_unavailable"),
            rc("room_queued", occupancy=3, capacity=60),
            rc("priority", priority=0),
        ],
        "repeat lookup unavailable; room 3/60: queued; priority 0",
    ),
    (
        "calling back after an abandoned call",
        "0612345678",
        [prior("1"), prior("2", "abandoned")],
        Admission(True, 12, 60),
        [
            rc("callback_after_abandon", count=2, minutes=30),
            rc("room_queued", occupancy=12, capacity=60),
            rc("priority", priority=10),
        ],
        "calling back after an abandoned call (2 in 30 min); room 12/60: queued; priority 10",
    ),
    (
        "repeat caller",
        "0612345678",
        [prior("1"), prior("2")],
        Admission(True, 3, 60),
        [
            rc("repeat_caller", count=2, minutes=30),
            rc("room_queued", occupancy=3, capacity=60),
            rc("priority", priority=6),
        ],
        "repeat caller (2 earlier in 30 min); room 3/60: queued; priority 6",
    ),
    (
        "first call",
        "0612345678",
        [],
        Admission(True, 0, 60),
        [
            rc("first_call", minutes=30),
            rc("room_queued", occupancy=0, capacity=60),
            rc("priority", priority=0),
        ],
        "first call in 30 min; room 0/60: queued; priority 0",
    ),
]


@pytest.mark.parametrize(
    ("caller", "priors", "admission", "codes", "sentence"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_codes_and_the_english_rendered_from_them(
    caller: str,
    priors: Sequence[PriorCall] | None,
    admission: Admission | None,
    codes: list[ReasonCode],
    sentence: str,
) -> None:
    decision = decide(classify(caller), priors, admission, PriorityPolicy(), window_minutes=30)
    assert list(decision.reason_codes) == codes
    assert decision.reason == sentence


def test_the_safe_default_names_its_notes() -> None:
    notes = ("repeat_lookup_timeout", "room_lookup_failed: OSError")
    decision = safe_default(PriorityPolicy(), *notes)
    assert decision.reason_codes == (
        rc("safe_default", notes="repeat_lookup_timeout, room_lookup_failed: OSError"),
    )
    assert decision.reason == (
        "safe default (repeat_lookup_timeout, room_lookup_failed: OSError): "
        "queued at normal priority"
    )


def test_a_decision_is_still_hashable() -> None:
    """Params are a dict: they take no part in the hash, but do in equality."""
    one = decide(MOBILE, [], Admission(True, 3, 60), PriorityPolicy(), window_minutes=30)
    two = decide(MOBILE, [], Admission(True, 4, 60), PriorityPolicy(), window_minutes=30)
    assert hash(one) == hash(one) and one != two
