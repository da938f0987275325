"""``require``: the desks' one way to read what a request names and refuse what they may not
act on (the API answers 409 for each refusal; tests/api assert the desks' own words)."""

from __future__ import annotations

import pytest

from callcenter.desks import call_of, require
from callcenter.domain.call import Call, CallState
from callcenter.errors import CallbackRefusedError, CallcenterError


async def found(value: str | None) -> str | None:
    return value


def refuse(value: str | None) -> CallcenterError:
    return CallbackRefusedError("nothing" if value is None else f"not {value}")


async def test_what_is_found_and_allowed_is_returned() -> None:
    assert await require(found("mine"), refuse, allowed=lambda v: v == "mine") == "mine"
    assert await require(found("anything"), refuse) == "anything"  # no condition


async def test_nothing_found_is_refused_with_none() -> None:
    with pytest.raises(CallbackRefusedError, match=r"^nothing$"):
        await require(found(None), refuse, allowed=lambda _v: True)


async def test_what_is_not_allowed_is_refused_with_the_value() -> None:
    with pytest.raises(CallbackRefusedError, match=r"^not theirs$"):
        await require(found("theirs"), refuse, allowed=lambda v: v == "mine")


class Calls:
    def __init__(self, *calls: Call) -> None:
        self.calls = {c.id: c for c in calls}

    async def load(self, call_id: str) -> tuple[Call, set[str]] | None:
        call = self.calls.get(call_id)
        return (call, {"source"}) if call is not None else None


async def test_call_of_reads_the_call_without_its_source_ids() -> None:
    call = Call(id="c1", state=CallState.ANSWERED)
    assert await call_of(Calls(call), "c1") == call
    assert await call_of(Calls(call), "c2") is None
