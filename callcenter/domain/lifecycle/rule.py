"""What a rule of the lifecycle is: when an event is legal, what it does, what its step is called.

The rules themselves live by concern beside this module (``queue``, ``talk``, ``outcome``);
``machine`` puts them in one table and applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callcenter.domain.call import TERMINAL_STATES, Call, CallState
from callcenter.domain.events import CallEvent

S = CallState
ALL_STATES = frozenset(CallState)
LIVE_STATES = ALL_STATES - TERMINAL_STATES


@dataclass(frozen=True)
class Rule:
    """When an event is legal, what it does to the call, and what the timeline step is called."""

    allowed: Callable[[Call], bool]
    apply: Callable[[Call, Any], Call]
    kind: Callable[[Call, Any], str]


def in_states(*states: CallState) -> Callable[[Call], bool]:
    allowed = frozenset(states)
    return lambda call: call.state in allowed


def named(kind: str) -> Callable[[Call, Any], str]:
    return lambda _call, _event: kind


def unchanged(call: Call, _e: CallEvent) -> Call:
    return call
