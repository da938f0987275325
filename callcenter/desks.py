"""What every desk does first: read what a request names, and refuse what it may not act on.

The hand-off service, the incidents desk and the call-back desk each act on one call (or its
call-back task) named by an operator's request. ``require`` is their one way to read it: the
thing itself, or the desk's own refusal (a ``callcenter.errors`` error, which the API answers
with 409) when there is none, or when it is not in a state that allows the action, or not on
the asker's seat. Nothing here performs I/O itself: the desks pass what they read through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from callcenter.domain.call import Call
from callcenter.errors import CallcenterError

T = TypeVar("T")


class CallLookup(Protocol):
    async def load(self, call_id: str) -> tuple[Call, set[str]] | None: ...


async def call_of(calls: CallLookup, call_id: str) -> Call | None:
    """The call as last saved (``calls.load`` without the timeline's source ids)."""
    loaded = await calls.load(call_id)
    return loaded[0] if loaded is not None else None


def _any(_value: object) -> bool:
    return True


async def require(
    found: Awaitable[T | None],
    refuse: Callable[[T | None], CallcenterError],
    *,
    allowed: Callable[[T], bool] = _any,
) -> T:
    """What ``found`` reads, if there is one and ``allowed`` accepts it; otherwise raises
    ``refuse(value)`` (``value`` None: nothing of that name)."""
    value = await found
    if value is None or not allowed(value):
        raise refuse(value)
    return value
