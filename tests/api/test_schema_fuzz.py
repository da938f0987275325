"""Property-based run against the OpenAPI schema: requests generated from each operation's
parameters and body schema (hypothesis-jsonschema), sent with a token of a role allowed on the
route; no response may be a 5xx, and every response must be JSON or the declared content.
It runs on PostgreSQL (stricter than SQLite: it refuses NUL in text), and mixes hostile values
into every part of the request: NUL and other control characters, bidi overrides and lone
surrogates in strings and path segments, NaN, Infinity and 1e999 in JSON bodies.

The strategies come from a small JSON-schema reader below (hypothesis-jsonschema 0.23 breaks on
object schemas with hypothesis 6.170): valid values from each schema, mixed with arbitrary JSON
so the validation paths are fuzzed too."""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.api.access import PUBLIC, ROUTE_ROLES
from callcenter.dispatch.qualification import DEFAULT_INCIDENT_TYPES
from callcenter.domain.events import (
    CallAnswered,
    CallEntered,
    CallerAbandoned,
    CallerQueued,
    CallQualified,
    LineEnded,
    Qualification,
    SeatOffered,
)
from callcenter.domain.seats import SeatState
from callcenter.live.memory import MemoryLog
from callcenter.storage.database import create_engine, upgrade
from callcenter.storage.store import TimelineStore
from tests.api.room import BY_ROLE, Room, build_room, ev, serve
from tests.databases import postgres_database

METHODS = ("get", "post", "put", "patch", "delete")
KNOWN_IDS = ["c1", "c2", "Seat 03", "Seat 04", "op4", "T-000001"]
# Path parameters that exist in the room, by name (else any of KNOWN_IDS).
KNOWN_PATH: dict[str, list[str]] = {
    "call_id": ["c1", "c2", "c3"],
    "seat": ["Seat 03", "Seat 04"],
    "username": ["op4"],
    "ticket_id": ["T-000001"],
    "incident_id": ["I-c4"],
}
# Fields whose valid values the schema cannot say (the room's configuration decides them).
KNOWN_VALUES: dict[str, list[Any]] = {
    "incident_type": list(DEFAULT_INCIDENT_TYPES),
    "seat": ["Seat 05", "Seat 06"],  # seats the PBX (the fake board) has
    "reason": ["break"],
    "unit": ["CAS-12"],
    "incident_id": ["I-c4"],  # opened by the qualified call c4
    "password": ["a long passphrase"],
}
# Strings PostgreSQL, AMI framing, JSON writers or screens choke on.
HOSTILE_TEXT = st.sampled_from(
    ["\x00", "a\x00b", "\r\n", "x\nAction: Ping", "\x85", "\u202e", "\ud800", "a\udfffb", "\x7f"]
)
# The same, already percent-encoded for a path segment (the last one is a UTF-8 surrogate).
HOSTILE_SEGMENTS = st.sampled_from(["%00", "c%001", "%0D%0A", "%E2%80%AE", "%C2%85", "%ED%A0%80"])
HOSTILE_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Room, str]]:
    """The room on PostgreSQL, served from its own thread and event loop, so hypothesis can run
    synchronously."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        async with postgres_database() as url:
            await serve_room(url)

    async def serve_room(url: str) -> None:
        engine = create_engine(url)
        await upgrade(engine)
        room = await build_room(TimelineStore(engine), MemoryLog())
        # One call in the room, answered on Seat 03 (the fuzzing operator's seat), so the
        # handlers past "not found" are reached too (a call can be qualified once answered).
        await room.processor.handle(ev(CallEntered, "c1", caller_raw="0612345678"))
        await room.processor.handle(
            ev(CallerQueued, "c1", queue="line19", position=1, count=1, channel="PJSIP/t-1")
        )
        await room.processor.handle(ev(SeatOffered, "c1", queue="line19", seat="Seat 03"))
        await room.processor.handle(
            ev(CallAnswered, "c1", queue="line19", seat="Seat 03", hold_seconds=2, ring_seconds=1)
        )
        room.board.set("Seat 03", state=SeatState.IN_CALL, call_id="c1")
        # And one waiting in the queue, for the supervisor's reprioritisation.
        await room.processor.handle(ev(CallEntered, "c2", caller_raw="0612345679"))
        await room.processor.handle(
            ev(CallerQueued, "c2", queue="line19", position=1, count=1, channel="PJSIP/t-2")
        )
        # And one answered on Seat 04 and qualified: it opened incident I-c4.
        await room.processor.handle(ev(CallEntered, "c4", caller_raw="0612345681"))
        await room.processor.handle(
            ev(CallerQueued, "c4", queue="line19", position=1, count=2, channel="PJSIP/t-4")
        )
        await room.processor.handle(
            ev(CallAnswered, "c4", queue="line19", seat="Seat 04", hold_seconds=2, ring_seconds=1)
        )
        fire = Qualification(incident_type="fire", priority="P1", address="Rue Ibn Batouta")
        await room.processor.handle(ev(CallQualified, "c4", qualification=fire, by="op4"))
        # And one whose caller hung up while waiting: a call-back task to offer.
        await room.processor.handle(ev(CallEntered, "c3", caller_raw="0612345680"))
        await room.processor.handle(
            ev(CallerQueued, "c3", queue="line19", position=1, count=2, channel="PJSIP/t-3")
        )
        await room.processor.handle(
            ev(
                CallerAbandoned,
                "c3",
                queue="line19",
                position=1,
                original_position=1,
                hold_seconds=30,
            )
        )
        await room.processor.handle(ev(LineEnded, "c3"))
        stop = asyncio.Event()
        state["loop"], state["stop"], state["room"] = asyncio.get_running_loop(), stop, room
        try:
            async with serve(room.app) as base:
                state["base"] = base
                ready.set()
                await stop.wait()
        finally:
            await engine.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield state["room"], state["base"]
    state["loop"].call_soon_threadsafe(state["stop"].set)
    thread.join(30)


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            return _resolve(spec["components"]["schemas"][name], spec)
        return {k: _resolve(v, spec) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [_resolve(v, spec) for v in node]
    return node


ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | HOSTILE_NUMBERS
    | st.text(max_size=20)
    | HOSTILE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` (the subset FastAPI emits), sometimes anything at all, and
    for strings sometimes a valid value with a hostile character added."""
    if not schema:
        return ANY_JSON
    valid = _valid(schema)
    if schema.get("type") == "string" or "string" in str(schema.get("anyOf", "")):
        spiked = st.tuples(valid, HOSTILE_TEXT).map(
            lambda vh: vh[0] + vh[1] if isinstance(vh[0], str) else vh[0]
        )
        return st.one_of(valid, spiked, ANY_JSON)
    return st.one_of(valid, ANY_JSON)


def _valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_valid(s) for s in schema[key]])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
        low, high = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda v: low <= len(v) <= schema.get("maxLength", 10**6)
            )
        return st.text(min_size=low, max_size=max(high, low))
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(_valid(schema.get("items", {})), max_size=3)
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))

        def field(name: str, sub: dict[str, Any]) -> st.SearchStrategy[Any]:
            known = KNOWN_VALUES.get(name)
            return st.sampled_from(known) | _valid(sub) if known else _valid(sub)

        return st.fixed_dictionaries(
            {k: field(k, v) for k, v in props.items() if k in required},
            optional={k: field(k, v) for k, v in props.items() if k not in required},
        )
    return ANY_JSON


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, _resolve(op, spec))
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _request(path: str, op: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        where = param["in"]
        strategy = from_schema(schema) if schema else st.text()
        if where == "path":
            known = st.sampled_from(KNOWN_PATH.get(param["name"], KNOWN_IDS))
            strategy = (
                known
                | known
                | known  # mostly a known id, so the handlers past 404 are reached
                | HOSTILE_SEGMENTS
                | st.text(
                    alphabet=st.characters(
                        min_codepoint=33, max_codepoint=126, exclude_characters="/?#%\\"
                    ),
                    min_size=1,
                )
            )
        elif where == "query":
            # Query values go through httpx's encoder, which cannot encode lone surrogates.
            strategy = st.one_of(st.none(), strategy.filter(_encodable))
        elif where == "header":
            strategy = st.one_of(st.none(), strategy)
        parts[f"{where}:{param['name']}"] = strategy
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        parts["json"] = st.one_of(from_schema(content["application/json"]["schema"]), st.none())
    elif "application/x-www-form-urlencoded" in content:
        form = content["application/x-www-form-urlencoded"]["schema"]
        parts["form"] = st.fixed_dictionaries(
            {
                k: st.text(max_size=30) | HOSTILE_TEXT.filter(_encodable)
                for k in form.get("properties", {})
            }
        )
    return st.fixed_dictionaries(parts)


def _encodable(value: Any) -> bool:
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list | tuple):
        return all(_encodable(v) for v in value)
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    return True


def _header_safe(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isprintable()


def _send(
    http: httpx.Client, headers: dict[str, str], method: str, path: str, request: dict[str, Any]
) -> int:
    url = path
    params: dict[str, Any] = {}
    extra = dict(headers)
    for key, value in request.items():
        where, _, name = key.partition(":")
        if where == "path":
            url = url.replace("{" + name + "}", value)
        elif where == "query" and value is not None:
            params[name] = value
        elif where == "header" and _header_safe(value):
            extra[name] = value
    content = None
    if request.get("json") is not None:
        # Python's writer, not httpx's: NaN, Infinity and lone surrogates (as \\udXXX escapes)
        # go out as a sloppy client would send them.
        content = json.dumps(request["json"]).encode()
        extra["content-type"] = "application/json"
    response = http.request(
        method, url, params=params, headers=extra, content=content, data=request.get("form")
    )
    assert response.status_code < 500, (method, url, params, request, response.text)
    return response.status_code


def _fuzz(
    http: httpx.Client, headers: dict[str, str], method: str, path: str, op: dict[str, Any]
) -> set[int]:
    statuses: set[int] = set()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    @given(request=_request(path, op))
    def check(request: dict[str, Any]) -> None:
        statuses.add(_send(http, headers, method, path, request))

    check()
    return statuses


@pytest.mark.slow
@pytest.mark.postgres
def test_no_5xx_from_generated_requests(server: tuple[Room, str]) -> None:
    room, base = server
    spec = room.app.openapi()
    operations = _operations(spec)
    assert len(operations) >= 30
    succeeded = []
    with httpx.Client(base_url=base, timeout=10) as http:
        for method, path, op in operations:
            allowed = ROUTE_ROLES[(method.upper(), path)]
            headers = {} if allowed is PUBLIC else room.headers(BY_ROLE[min(allowed)])
            statuses = _fuzz(http, headers, method, path, op)
            if any(200 <= s < 300 for s in statuses):
                succeeded.append((method, path))
    # The run got past validation into the handlers on most routes, not only 404/422 (the
    # misses: a login needs a real password, an ack an existing ticket).
    missed = sorted({(m, p) for m, p, _op in operations} - set(succeeded))
    assert len(succeeded) >= 0.85 * len(operations), "\n".join(map(str, missed))


INT4_MAX = 2_147_483_647  # PostgreSQL's integer: ids, seqs and cursors are int4 columns


@pytest.mark.postgres
def test_no_integer_parameter_goes_past_what_postgresql_holds(server: tuple[Room, str]) -> None:
    """Found by the fuzzing above (``before=2147483648`` gave a 500 on PostgreSQL): every integer
    parameter is bounded by the int4 columns it is compared with, so a larger one is a 422."""
    room, base = server
    unbounded = []
    for method, path, op in _operations(room.app.openapi()):
        for param in op.get("parameters", []):
            schema = param.get("schema", {})
            options = schema.get("anyOf", [schema])
            if any(
                o.get("type") == "integer" and o.get("maximum", INT4_MAX + 1) > INT4_MAX
                for o in options
            ):
                unbounded.append((method, path, param["name"]))
    assert unbounded == []
    with httpx.Client(base_url=base, timeout=10) as http:
        headers = room.headers(BY_ROLE[min(ROUTE_ROLES[("GET", "/audit/access-log")])])
        edge = http.get("/audit/access-log", params={"before": INT4_MAX}, headers=headers)
        past = http.get("/audit/access-log", params={"before": INT4_MAX + 1}, headers=headers)
    assert (edge.status_code, past.status_code) == (200, 422)
