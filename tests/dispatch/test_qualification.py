"""Validation of what an operator types when qualifying a call."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.dispatch.qualification import DEFAULT_INCIDENT_TYPES, Taxonomy, validate
from callcenter.errors import QualificationInvalidError
from tests.dispatch.conftest import FIELDS


def test_police_room_defaults_and_normalisation() -> None:
    assert set(DEFAULT_INCIDENT_TYPES) == {
        "road_accident",
        "assault",
        "theft",
        "domestic_violence",
        "fire",
        "medical",
        "disturbance",
        "other",
    }
    q = validate({**FIELDS, "priority": "p1", "address": "  Bd   Anfa  "}, Taxonomy.default())
    assert q.priority == "P1"
    assert q.address == "Bd Anfa"
    assert q.callback_e164 == "+212612345678"  # national number read in region MA
    assert (q.latitude, q.longitude) == (33.589, -7.63)


def test_optional_fields_may_be_left_out() -> None:
    q = validate(
        {"incident_type": "theft", "priority": "P4", "address": "Derb Omar"}, Taxonomy.default()
    )
    assert q.latitude is None and q.longitude is None
    assert q.callback_e164 is None and q.notes == ""


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"incident_type": "alien_landing"}, "incident_type"),
        ({"priority": "P5"}, "priority"),
        ({"priority": None}, "priority"),
        ({"address": "   "}, "address"),
        ({"latitude": 91}, "latitude"),
        ({"longitude": "east"}, "longitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"longitude": None}, "longitude"),  # latitude without longitude
        ({"callback_e164": "abc123"}, "callback_e164"),
        ({"callback_e164": "19"}, "callback_e164"),  # a short number is no callback number
        ({"notes": "x" * 2001}, "notes"),
        ({"colour": "red"}, "fields"),
    ],
)
def test_each_bad_field_is_named(override: dict[str, Any], field: str) -> None:
    with pytest.raises(QualificationInvalidError) as caught:
        validate({**FIELDS, **override}, Taxonomy.default())
    assert set(caught.value.errors) == {field}


def test_all_errors_reported_at_once() -> None:
    with pytest.raises(QualificationInvalidError) as caught:
        validate({"priority": "urgent"}, Taxonomy.default())
    assert set(caught.value.errors) == {"incident_type", "priority", "address"}


def test_taxonomy_is_configurable_and_keeps_other() -> None:
    taxonomy = Taxonomy.from_codes(["fire", "flood"])
    assert set(taxonomy.types) == {"fire", "flood", "other"}
    assert validate({**FIELDS, "incident_type": "flood"}, taxonomy).incident_type == "flood"
    with pytest.raises(QualificationInvalidError):
        validate(FIELDS, taxonomy)  # road_accident is not in this room's list
