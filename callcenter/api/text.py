"""What text the API accepts: no control characters, no lone surrogates, no bidi overrides.

Text from a request can end up in an AMI action (a pause reason), a PostgreSQL row (which
refuses NUL), a log line or another person's screen. ``OneLine`` is for names, reasons and
codes: no C0/C1 control characters (CR and LF would split an AMI header; NUL ends a C string and
PostgreSQL refuses it), no lone surrogates (not encodable as UTF-8), and no bidirectional
formatting characters (they make a name display as something else). ``FreeText`` is for notes
typed by people: tabs and line breaks are allowed, and the bidi marks, embeddings and isolates
that mixed Arabic and French text needs; the overrides (U+202D, U+202E), which make text
display in an order other than the one it is stored in, are refused. Refusals are 422s naming
the character and its position.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Embeddings, overrides, isolates and the implicit marks (U+061C, U+200E, U+200F).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
OVERRIDES = frozenset("\u202d\u202e")
_MULTILINE = frozenset("\t\n\r")


def refusal(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is refused (None: accepted)."""
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in _MULTILINE):
            what = "a control character"
        elif category == "Cs":
            what = "a lone surrogate (not valid Unicode text)"
        elif char in (OVERRIDES if multiline else BIDI_CONTROLS):
            what = "a bidirectional text control (it changes how the text displays)"
        else:
            continue
        return f"must not contain {what}: U+{ord(char):04X} at position {index}"
    return None


def secret(value: str) -> str:
    """Passwords: any printable text (bidi marks included), no controls, no lone surrogates."""
    for index, char in enumerate(value):
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(
                "must not contain a control character or lone surrogate: "
                f"U+{ord(char):04X} at position {index}"
            )
    return value


def one_line(value: str) -> str:
    reason = refusal(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def free_text(value: str) -> str:
    reason = refusal(value, multiline=True)
    if reason is not None:
        raise ValueError(reason)
    return value


OneLine = Annotated[str, AfterValidator(one_line)]
FreeText = Annotated[str, AfterValidator(free_text)]
SecretText = Annotated[str, AfterValidator(secret)]
