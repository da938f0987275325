"""Caller ID as Asterisk gives it, normalised to E.164 when it is a valid number."""

from __future__ import annotations

import phonenumbers

WITHHELD = frozenset({"", "<unknown>", "unknown", "anonymous", "restricted", "private"})


def clean(raw: str) -> str:
    """Asterisk's placeholder for "no caller ID" becomes the empty string."""
    return "" if raw.strip().lower() in WITHHELD else raw.strip()


def to_e164(raw: str, region: str = "MA") -> str | None:
    number = clean(raw)
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
