"""Every domain event survives the trip to another process unchanged."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.domain import events
from callcenter.domain.events import CallEvent, CallQualified, Clock, Qualification
from callcenter.messaging.event_codec import (
    EventCodecError,
    dumps_event,
    event_types,
    loads_event,
)

AT = datetime(2026, 11, 22, 7, 53, 58, 123456, tzinfo=timezone(timedelta(hours=1)))


def sample(hint: Any, n: int) -> Any:
    """A value of type ``hint`` that differs from the field's default."""
    origin = typing.get_origin(hint)
    if origin is not None and type(None) in typing.get_args(hint):
        return sample(next(a for a in typing.get_args(hint) if a is not type(None)), n)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if dataclasses.is_dataclass(item):  # reason codes: a tuple of small dataclasses
            return (build(item), build(item))
        return (f"item-{n}", f"item-{n + 1}")
    if origin is dict:
        return {f"key-{n}": n, f"key-{n + 1}": f"value-{n}"}
    if hint is datetime:
        return AT + timedelta(seconds=n)
    if hint is bool:
        return True
    if hint is int:
        return 40 + n
    if hint is float:
        return 33.5 + n
    if hint is str:
        return f"value-{n}"
    if isinstance(hint, type) and issubclass(hint, Enum):
        return list(hint)[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint)
    raise AssertionError(f"no sample for {hint!r}")


def build(cls: type) -> Any:
    hints = typing.get_type_hints(cls, vars(events))
    fields = dataclasses.fields(cls)
    return cls(**{f.name: sample(hints[f.name], i) for i, f in enumerate(fields)})


@pytest.mark.parametrize("cls", sorted(event_types().values(), key=lambda c: c.__name__))
def test_every_event_type_round_trips(cls: type[CallEvent]) -> None:
    event = build(cls)
    again = loads_event(dumps_event(event))
    assert type(again) is cls
    assert again == event
    assert again.at.utcoffset() == event.at.utcoffset()


def test_an_entry_decision_encoded_before_reason_codes_still_decodes() -> None:
    """A CallEntered on its way when the bridge was upgraded has no ``reason_codes``."""
    event = build(events.CallEntered)
    encoded = json.loads(dumps_event(event))
    assert encoded["fields"]["reason_codes"][0] == {
        "code": "value-0",
        "params": {"key-1": 1, "key-2": "value-1"},
    }
    del encoded["fields"]["reason_codes"]
    again = loads_event(json.dumps(encoded))
    assert again == dataclasses.replace(event, reason_codes=())


def test_all_domain_events_are_known() -> None:
    declared = {
        name
        for name, obj in vars(events).items()
        if isinstance(obj, type) and issubclass(obj, CallEvent)
    }
    assert declared == set(event_types())


@given(
    notes=st.text(),
    latitude=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    at=st.datetimes(timezones=st.just(UTC)),
    ticket=st.none() | st.text(min_size=1),
)
def test_qualification_round_trips(
    notes: str, latitude: float | None, at: datetime, ticket: str | None
) -> None:
    event = CallQualified(
        call_id="1700000000.1",
        at=at,
        received_at=at,
        source_id="api:qualify:k",
        clock=Clock.ARRIVAL,
        qualification=Qualification(
            incident_type="fire", priority="P1", address="x", latitude=latitude, notes=notes
        ),
        by="op03",
        ticket_id=ticket,
    )
    assert loads_event(dumps_event(event)) == event


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "not json",
        '{"type": "Nope", "fields": {}}',
        '{"type": "LineEnded", "fields": {"call_id": "c"}}',
        '{"type": "LineEnded", "fields": {"call_id": "c", "at": "x", "received_at": "x",'
        ' "source_id": "s"}}',
        '{"type": "LineEnded", "fields": {"call_id": "c", "bogus": 1}}',
    ],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(EventCodecError):
        loads_event(text)
