"""The roles of the room. What each may do is the route matrix in ``callcenter.api.access``."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # answers calls on their own seat
    SUPERVISOR = "supervisor"  # watches the queue, re-prioritises, force-pauses seats
    AUDITOR = "auditor"  # reads any timeline (every read is logged) and exports
    DISPATCHER = "dispatcher"  # radio dispatch: acknowledges tickets with a unit
    ADMIN = "admin"  # manages users
