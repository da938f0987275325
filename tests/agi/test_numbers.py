from __future__ import annotations

import pytest

from callcenter.agi.numbers import MAX_INPUT, NumberKind, classify

K = NumberKind


@pytest.mark.parametrize(
    ("raw", "kind", "e164"),
    [
        ("0612345678", K.MOBILE, "+212612345678"),
        ("+212612345678", K.MOBILE, "+212612345678"),
        ("212612345678", K.MOBILE, "+212612345678"),
        ("00212612345678", K.MOBILE, "+212612345678"),
        ("+212 6 12 34 56 78", K.MOBILE, "+212612345678"),
        ("0522123456", K.FIXED_LINE, "+212522123456"),  # Casablanca landline
        ("+33612345678", K.MOBILE, "+33612345678"),  # French mobile
        ("00447911123456", K.MOBILE, "+447911123456"),  # UK mobile, international prefix
        ("0800001234", K.OTHER, "+212800001234"),  # toll free: valid, not mobile/fixed
        ("19", K.EMERGENCY, None),  # never formatted as E.164
        ("15", K.EMERGENCY, None),
        ("150", K.INVALID, None),  # a prefix of nothing: connects_to_emergency would say yes
        ("", K.EMPTY, None),
        ("   ", K.EMPTY, None),
        (None, K.EMPTY, None),
        ("anonymous", K.WITHHELD, None),
        ("Anonymous", K.WITHHELD, None),
        ("unknown", K.WITHHELD, None),
        ("restricted", K.WITHHELD, None),
        ("abc123", K.INVALID, None),  # parses, but is not a number
        ("0500000004", K.INVALID, None),  # the recorded test caller: not an allocated range
        ("9" * 200, K.INVALID, None),
        ("+" + "1" * 40, K.INVALID, None),
        ("٠٦١٢٣٤٥٦٧٨", K.MOBILE, "+212612345678"),  # Arabic-Indic digits
        (
            "\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
            K.MOBILE,
            "+212612345678",
        ),  # full-width digits
        ("محمد", K.INVALID, None),
        ("06\x0012\r\n345678", K.MOBILE, "+212612345678"),  # control characters stripped
        ("\ufffd\ufffd", K.INVALID, None),  # undecodable bytes, as the reader replaces them
        ("\ud800", K.EMPTY, None),  # a lone surrogate is a control character: stripped
    ],
)
def test_classify(raw: str | None, kind: NumberKind, e164: str | None) -> None:
    number = classify(raw, "MA")
    assert number.kind is kind
    assert number.e164 == e164
    assert number.linkable is (e164 is not None)
    assert len(number.raw) <= max(MAX_INPUT, len(raw or ""))


def test_region_matters() -> None:
    assert classify("19", "MA").kind is K.EMERGENCY
    assert classify("19", "FR").kind is not K.EMERGENCY
    assert classify("0612345678", "FR").e164 == "+33612345678"


def test_garbage_keeps_a_bounded_raw() -> None:
    assert classify("9" * 200).raw == "9" * MAX_INPUT
