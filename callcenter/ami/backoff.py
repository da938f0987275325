"""How long the AMI client waits before it tries again, by what the last attempt met.

- **refused**: nothing listens on the AMI port yet (Asterisk starting or restarting): short
  retries, ``refused`` seconds apart for as long as it lasts, so the bridge logs in within that
  of the port opening. A refused connection costs the PBX nothing.
- **login**: Asterisk refused the login (wrong secret, no permission): exponential from
  ``login_initial`` up to ``maximum``. A wrong secret is not hammered: Asterisk logs every
  failure and a fail2ban-like guard may ban the address.
- **other**: no answer within the connect timeout, a link that dropped, a ping unanswered:
  exponential from ``initial`` up to ``maximum``.

Every delay is spread by ``jitter`` (± that share), so several clients do not knock in step.
``reset`` (a session got through) starts every schedule again. Pure: no clock, no I/O.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Failure(StrEnum):
    REFUSED = "refused"
    LOGIN = "login"
    OTHER = "other"


@dataclass
class Backoff:
    refused: float = 0.25
    initial: float = 0.5
    login_initial: float = 1.0
    maximum: float = 30.0
    jitter: float = 0.2
    random: Callable[[], float] = _random.random  # in [0, 1)
    _streak: dict[Failure, int] = field(default_factory=dict)

    def next(self, failure: Failure) -> float:
        """The delay before the next attempt, after one that met ``failure``."""
        if failure is Failure.REFUSED:
            base = self.refused
        else:
            n = self._streak.get(failure, 0)
            self._streak[failure] = n + 1
            start = self.login_initial if failure is Failure.LOGIN else self.initial
            base = min(start * 2**n, self.maximum)
        return base * (1 - self.jitter + 2 * self.jitter * self.random())

    def reset(self) -> None:
        self._streak.clear()
