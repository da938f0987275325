"""Caller-ID normalisation: what kind of number called, and its E.164 form when it has one.

``classify`` never raises: withheld, empty, garbage, 200-digit and non-ASCII caller IDs are all
classified. Rules (shared/LIBRARIES.md): a successful parse is not a valid number
(``is_valid_number`` decides); short and emergency numbers are recognised with
``shortnumberinfo`` for the configured region (never ``connects_to_emergency_number``, a prefix
match) and are never formatted as E.164.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, shortnumberinfo


class NumberKind(StrEnum):
    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    FIXED_OR_MOBILE = "fixed_or_mobile"
    VOIP = "voip"
    OTHER = "other"  # valid, but toll-free, premium, shared cost, pager, UAN...
    EMERGENCY = "emergency"  # 19, 15, 177 in Morocco
    SHORT = "short"  # another short code valid in the region
    WITHHELD = "withheld"  # anonymous, unknown, restricted, private
    EMPTY = "empty"
    INVALID = "invalid"  # garbage, too long, or parses but is not a valid number


# What Asterisk and SIP trunks put in the caller ID when the number is not presented.
WITHHELD_WORDS = frozenset(
    {"anonymous", "unknown", "restricted", "private", "withheld", "unavailable", "asterisk"}
)
MAX_INPUT = 64  # longer than any phone number with formatting: garbage, not parsed
MAX_SHORT_DIGITS = 6
CACHE_SIZE = 8192  # caller IDs remembered by ``classify`` (about 2 MB at most)

_TYPES = {
    PhoneNumberType.MOBILE: NumberKind.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberKind.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberKind.FIXED_OR_MOBILE,
    PhoneNumberType.VOIP: NumberKind.VOIP,
}


@dataclass(frozen=True)
class CallerNumber:
    raw: str
    kind: NumberKind
    e164: str | None = None  # only for valid full numbers
    region: str | None = None  # ISO region of the number, when known

    @property
    def linkable(self) -> bool:
        """Can earlier calls from this caller be found (an E.164 number to look up)?"""
        return self.e164 is not None


@lru_cache(maxsize=CACHE_SIZE)
def classify(raw: str | None, region: str = "MA") -> CallerNumber:
    """Classify a caller ID as Asterisk gives it (``agi_callerid``). Cached: a caller who
    calls again (the mass-casualty case) is not parsed again; the answer is immutable."""
    text = _clean(raw)
    if not text:
        return CallerNumber(raw=text, kind=NumberKind.EMPTY)
    if text.lower() in WITHHELD_WORDS:
        return CallerNumber(raw=text, kind=NumberKind.WITHHELD)
    if len(text) > MAX_INPUT:
        return CallerNumber(raw=text[:MAX_INPUT], kind=NumberKind.INVALID)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return CallerNumber(raw=text, kind=NumberKind.INVALID)
    except Exception:  # phonenumbers must never take the call entry down
        return CallerNumber(raw=text, kind=NumberKind.INVALID)
    digits = phonenumbers.normalize_digits_only(text)
    if not text.startswith("+") and 0 < len(digits) <= MAX_SHORT_DIGITS:
        if shortnumberinfo.is_emergency_number(digits, region):
            return CallerNumber(raw=text, kind=NumberKind.EMERGENCY, region=region)
        if shortnumberinfo.is_valid_short_number_for_region(number, region):
            return CallerNumber(raw=text, kind=NumberKind.SHORT, region=region)
    if not phonenumbers.is_valid_number(number):
        return CallerNumber(raw=text, kind=NumberKind.INVALID)
    kind = _TYPES.get(phonenumbers.number_type(number), NumberKind.OTHER)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return CallerNumber(
        raw=text, kind=kind, e164=e164, region=phonenumbers.region_code_for_number(number)
    )


def _clean(raw: str | None) -> str:
    """Strip whitespace and control characters (a caller ID is a single printable line)."""
    if raw is None:
        return ""
    text = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    return text.strip()
