"""Access control: the role matrix (data, one place) and the one dependency that enforces it.

``ROUTE_ROLES`` maps ``(method, path)`` (``WS`` for websockets) to the roles allowed; ``PUBLIC``
routes need no token. A route missing from the matrix is refused to everyone (and the role-matrix
test fails), so a new route cannot ship open by accident.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.security import OAuth2PasswordBearer
from starlette.requests import HTTPConnection

from callcenter.api.ports import Services
from callcenter.auth.roles import Role
from callcenter.auth.tokens import Identity, InvalidTokenError

R = Role
OPS = frozenset({R.OPERATOR})
SUP = frozenset({R.SUPERVISOR, R.ADMIN})
READERS = frozenset({R.SUPERVISOR, R.AUDITOR, R.ADMIN})
AUDIT = frozenset({R.AUDITOR, R.ADMIN})
DISPATCH = frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN})
ADMIN = frozenset({R.ADMIN})
EVERYONE = frozenset(Role)
PUBLIC = frozenset[Role]()  # marker: no token needed (checked by identity, not by role)

ROUTE_ROLES: dict[tuple[str, str], frozenset[Role]] = {
    # operations and login
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): SUP,  # or the metrics token (``authorize_metrics``)
    ("POST", "/auth/token"): PUBLIC,
    # the API's documentation pages (api/docs_pages.py), as FastAPI's own were
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/auth/me"): EVERYONE,
    # calls
    ("GET", "/calls/active"): READERS,
    ("GET", "/calls"): READERS,
    ("GET", "/calls/{call_id}"): READERS,
    ("GET", "/calls/{call_id}/timeline"): READERS,
    # seats
    ("GET", "/seats"): frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN}),
    ("GET", "/seats/me"): OPS,
    ("POST", "/seats/me/login"): OPS,
    ("POST", "/seats/me/logout"): OPS,
    ("POST", "/seats/me/pause"): OPS,
    ("POST", "/seats/me/unpause"): OPS,
    # the operator's current call
    ("GET", "/me/call"): OPS,
    ("POST", "/me/call/answer"): OPS,
    ("POST", "/me/call/hangup"): OPS,
    ("POST", "/me/call/transfer"): OPS,
    ("POST", "/me/call/qualify"): OPS,
    ("GET", "/me/call/incidents"): OPS,
    ("POST", "/me/call/attach"): OPS,
    ("POST", "/me/call/handoff"): OPS,
    ("GET", "/me/phone"): OPS,
    ("GET", "/me/calls"): OPS,
    # call-backs (api/routes/callbacks.py)
    ("GET", "/me/callback"): OPS,
    ("POST", "/me/callback/{call_id}/call"): OPS,
    ("POST", "/me/callback/{call_id}/result"): OPS,
    ("POST", "/me/callback/{call_id}/decline"): OPS,
    ("GET", "/callbacks"): SUP,
    ("POST", "/callbacks/{call_id}/offer"): SUP,
    # the room's configuration for the screens
    ("GET", "/room/config"): EVERYONE,
    # supervisor
    ("GET", "/supervisor/stats"): SUP,
    ("POST", "/supervisor/calls/{call_id}/priority"): SUP,
    ("POST", "/supervisor/seats/{seat}/pause"): SUP,
    ("POST", "/supervisor/seats/{seat}/logout"): SUP,
    ("GET", "/wallboard/config"): SUP,
    ("GET", "/wallboard/board"): SUP,
    ("GET", "/wallboard/waiting"): SUP,
    # auditor
    ("GET", "/audit/calls/{call_id}/timeline"): AUDIT,
    ("GET", "/audit/export"): AUDIT,
    ("GET", "/audit/access-log"): AUDIT,
    ("GET", "/audit/calls/{call_id}/linked"): AUDIT,
    ("GET", "/audit/incidents/{incident_id}"): AUDIT,
    # radio dispatch
    ("GET", "/dispatch/tickets"): DISPATCH,
    ("GET", "/dispatch/units"): DISPATCH,
    ("POST", "/dispatch/tickets/{ticket_id}/ack"): frozenset({R.DISPATCHER}),
    # users
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("POST", "/users/{username}/disable"): ADMIN,
    # live feeds
    ("WS", "/live/operator"): OPS,
    ("WS", "/live/supervisor"): SUP,
    ("WS", "/live/dispatch"): DISPATCH,
}

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def services(conn: HTTPConnection) -> Services:
    found: Services = conn.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]


class AccessDeniedError(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


async def identify(svc: Services, token: str | None) -> Identity:
    """The caller's identity from a bearer token; raises AccessDeniedError(401) if none is valid."""
    if not token:
        raise AccessDeniedError(401, "not authenticated")
    try:
        identity = svc.tokens.decode(token)
    except InvalidTokenError as exc:
        raise AccessDeniedError(401, "invalid or expired token") from exc
    user = await svc.users.get(identity.username)
    if user is None or user.disabled or user.role != identity.role.value:
        raise AccessDeniedError(401, "user unknown or disabled")
    return identity


def check(method: str, path: str, identity: Identity) -> None:
    allowed = ROUTE_ROLES.get((method, path))
    if allowed is None or identity.role not in allowed:
        raise AccessDeniedError(403, f"role {identity.role.value} may not use {method} {path}")
    if identity.role is Role.OPERATOR and not identity.seat:
        raise AccessDeniedError(403, "operator account has no seat")


async def authorize(
    request: Request, svc: Svc, token: Annotated[str | None, Depends(oauth2)]
) -> Identity:
    route = request.scope.get("route")
    path: str = getattr(route, "path", request.url.path)
    try:
        identity = await identify(svc, token)
        check(request.method, path, identity)
    except AccessDeniedError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.code == 401 else None
        raise HTTPException(exc.code, exc.detail, headers=headers) from exc
    return identity


async def authorize_websocket(websocket: WebSocket, svc: Services) -> Identity:
    """As ``authorize`` for a websocket: the token comes as ``?token=`` (browsers send no
    headers on websockets) or an ``Authorization: Bearer`` header."""
    token = websocket.query_params.get("token")
    header = websocket.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:]
    route = websocket.scope.get("route")
    path: str = getattr(route, "path", websocket.url.path)
    identity = await identify(svc, token)
    check("WS", path, identity)
    return identity


@dataclass(frozen=True)
class MetricsAccess:
    """Who may scrape /metrics besides the roles of the matrix."""

    token: str | None = None  # a static bearer token for Prometheus
    open: bool = False  # demo mode without a token: anyone


async def authorize_metrics(
    request: Request, svc: Svc, token: Annotated[str | None, Depends(oauth2)]
) -> None:
    """GET /metrics: the metrics token from settings, or a JWT whose role the matrix allows."""
    access: MetricsAccess = request.app.state.metrics_access
    if access.open:
        return
    if token and access.token and hmac.compare_digest(token.encode(), access.token.encode()):
        return
    await authorize(request, svc, token)


Who = Annotated[Identity, Depends(authorize)]
GUARD = [Depends(authorize)]
Responses = dict[int | str, dict[str, Any]]
UNAUTHORIZED: Responses = {
    401: {"description": "no valid token"},
    403: {"description": "role not allowed"},
}
