"""Domain events to JSON and back, for events that cross a process boundary.

An API process without the bridge submits its events (``CallQualified``...) to the bridge's
ordered runner over Redis (``callcenter.messaging.commands``). The codec is driven by the
events' own dataclass fields and type hints, so a field added to an event travels without a
change here: ``decode(encode(e)) == e`` for every ``CallEvent`` subclass (tested on all of them).
Datetimes keep their offset (ISO 8601), enums travel as their values, tuples as lists, nested
dataclasses (``Qualification``) as objects.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from callcenter.domain import events
from callcenter.domain.events import CallEvent


class EventCodecError(ValueError):
    """The payload is not an event this process knows."""


def _subclasses(cls: type[CallEvent]) -> list[type[CallEvent]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def event_types() -> dict[str, type[CallEvent]]:
    """Every concrete domain event, by class name."""
    classes: list[type[CallEvent]] = [CallEvent, *_subclasses(CallEvent)]
    return {cls.__name__: cls for cls in classes}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(events))


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


def _from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_json(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return tuple(_from_json(item, v) for v in value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if hint is float and isinstance(value, int):
        return float(value)
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - fields
    if unknown:
        raise EventCodecError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    return cls(**{name: _from_json(hints[name], v) for name, v in data.items()})


def encode_event(event: CallEvent) -> dict[str, Any]:
    """A JSON-ready object: ``{"type": <class name>, "fields": {...}}``."""
    return {"type": type(event).__name__, "fields": _to_json(event)}


def decode_event(data: dict[str, Any]) -> CallEvent:
    """The event ``encode_event`` gave; raises ``EventCodecError`` for anything else."""
    try:
        cls = event_types()[data["type"]]
        event = _build(cls, data["fields"])
    except EventCodecError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise EventCodecError(f"not a domain event: {exc!r}") from exc
    assert isinstance(event, CallEvent)
    return event


def dumps_event(event: CallEvent) -> str:
    return json.dumps(encode_event(event), separators=(",", ":"))


def loads_event(text: str) -> CallEvent:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventCodecError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EventCodecError("not a JSON object")
    return decode_event(data)
