"""Qualification of a call: the incident taxonomy and the validation of what an operator typed.

``validate`` turns raw fields (from the API or the CLI) into a domain ``Qualification`` or
raises ``QualificationInvalidError`` listing every bad field; it never returns half-checked data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from callcenter.domain.dispatch import PRIORITIES
from callcenter.domain.events import Qualification
from callcenter.errors import QualificationInvalidError

# A police room's defaults: code -> label (French, as the room writes it).
DEFAULT_INCIDENT_TYPES: dict[str, str] = {
    "road_accident": "Accident de la circulation",
    "assault": "Agression",
    "theft": "Vol",
    "domestic_violence": "Violence conjugale",
    "fire": "Incendie",
    "medical": "Urgence médicale",
    "disturbance": "Trouble à l'ordre public",
    "other": "Autre",
}

MAX_ADDRESS = 300
MAX_NOTES = 2000


@dataclass(frozen=True)
class Taxonomy:
    """The incident types a room accepts (configurable; ``other`` is always there)."""

    types: Mapping[str, str]

    @classmethod
    def default(cls) -> Taxonomy:
        return cls(dict(DEFAULT_INCIDENT_TYPES))

    @classmethod
    def from_codes(cls, codes: Iterable[str]) -> Taxonomy:
        """A taxonomy from codes; known codes keep their default label."""
        types = {c: DEFAULT_INCIDENT_TYPES.get(c, c.replace("_", " ")) for c in codes}
        types.setdefault("other", DEFAULT_INCIDENT_TYPES["other"])
        return cls(types)

    def __contains__(self, code: object) -> bool:
        return code in self.types


def validate(raw: Mapping[str, Any], taxonomy: Taxonomy, *, region: str = "MA") -> Qualification:
    """Check every field; raise ``QualificationInvalidError`` with all the errors at once."""
    errors: dict[str, str] = {}

    incident = str(raw.get("incident_type") or "").strip()
    if incident not in taxonomy:
        errors["incident_type"] = f"unknown type {incident!r} (one of {', '.join(taxonomy.types)})"

    priority = str(raw.get("priority") or "").strip().upper()
    if priority not in PRIORITIES:
        errors["priority"] = "must be one of P1, P2, P3, P4"

    address = " ".join(str(raw.get("address") or "").split())
    if not address:
        errors["address"] = "required"
    elif len(address) > MAX_ADDRESS:
        errors["address"] = f"longer than {MAX_ADDRESS} characters"

    latitude = _coordinate(raw.get("latitude"), 90.0, "latitude", errors)
    longitude = _coordinate(raw.get("longitude"), 180.0, "longitude", errors)
    if (latitude is None) != (longitude is None) and "latitude" not in errors:
        errors.setdefault("longitude" if longitude is None else "latitude", "give both or neither")

    callback = _callback(raw.get("callback_e164"), region, errors)

    notes = str(raw.get("notes") or "").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"longer than {MAX_NOTES} characters"

    unknown = set(raw) - {
        "incident_type",
        "priority",
        "address",
        "latitude",
        "longitude",
        "callback_e164",
        "notes",
    }
    if unknown:
        errors["fields"] = f"unknown fields: {', '.join(sorted(unknown))}"

    if errors:
        raise QualificationInvalidError(errors)
    return Qualification(
        incident_type=incident,
        priority=priority,
        address=address,
        latitude=latitude,
        longitude=longitude,
        callback_e164=callback,
        notes=notes,
    )


def _coordinate(value: Any, bound: float, name: str, errors: dict[str, str]) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[name] = "not a number"
        return None
    if isinstance(value, bool) or not math.isfinite(number) or abs(number) > bound:
        errors[name] = f"must be between -{bound:g} and {bound:g}"
        return None
    return number


def _callback(value: Any, region: str, errors: dict[str, str]) -> str | None:
    """A callback number in E.164 (a national number is read in ``region``)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        errors["callback_e164"] = "not a phone number"
        return None
    if not phonenumbers.is_valid_number(parsed):
        errors["callback_e164"] = "not a valid phone number"
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
