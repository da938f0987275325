"""What each ``callcenter serve --role`` runs, and what it needs before it may start.

- ``all``: the whole room in one process (bridge, ordered runner, FastAGI, dispatch, API);
  with Redis it also serves the API-only processes' commands.
- ``bridge``: one per PBX; the AMI bridge, the ordered runner (the only writer of calls),
  FastAGI, the dispatch relay and the command server; HTTP only for operations.
- ``api``: as many as needed; the HTTP API only, acting through the bridge over Redis.

Several processes share state only through PostgreSQL and Redis, so ``bridge`` and ``api``
refuse to start on SQLite or without Redis.
"""

from __future__ import annotations

from enum import StrEnum

from callcenter.settings import Settings


class ServeRole(StrEnum):
    ALL = "all"
    BRIDGE = "bridge"
    API = "api"


class RoleConfigError(Exception):
    """The settings cannot run this role (the message says what to set)."""


def check_role(settings: Settings, role: ServeRole) -> None:
    if role is ServeRole.ALL:
        return
    missing = []
    if not settings.database_url().startswith("postgresql"):
        missing.append("PostgreSQL (CALLCENTER_DATABASE__URL=postgresql://...)")
    if not settings.redis.url:
        missing.append("Redis (CALLCENTER_REDIS__URL=redis://...)")
    if missing:
        raise RoleConfigError(
            f"--role {role.value} shares the room with other processes and needs "
            + " and ".join(missing)
        )
