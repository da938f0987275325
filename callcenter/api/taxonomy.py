"""The incident types an operator may choose when qualifying a call.

One taxonomy for the whole room: the dispatch feature's defaults (the issue's police list).
The hand-off additionally checks the configured list (``CALLCENTER_DISPATCH__INCIDENT_TYPES``).
"""

from __future__ import annotations

from callcenter.dispatch.qualification import DEFAULT_INCIDENT_TYPES

INCIDENT_TYPES: tuple[str, ...] = tuple(DEFAULT_INCIDENT_TYPES)
