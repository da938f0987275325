"""Login (OAuth2 password flow) and who am I."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from callcenter.api import text
from callcenter.api.access import UNAUTHORIZED, Svc, Who
from callcenter.api.metrics import Metrics
from callcenter.api.user_schemas import TokenOut, UserOut
from callcenter.auth.roles import Role
from callcenter.auth.throttle import LoginThrottle
from callcenter.auth.tokens import Identity

router = APIRouter(prefix="/auth", tags=["auth"])
log = logging.getLogger(__name__)
WRONG = "wrong user name or password"
THROTTLED = "too many failed logins: try again later"


@router.post(
    "/token",
    responses={
        401: {"description": WRONG},
        429: {"description": "too many failed logins (see the Retry-After header)"},
    },
)
async def token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: Svc
) -> TokenOut:
    """Exchange a user name and password for a bearer token (OAuth2 password flow).

    After too many failed logins for a user name or from an address within the window, answers
    429 with ``Retry-After`` (the same whether the user exists or not) without checking the
    password."""
    bad_name = text.refusal(form.username)
    if bad_name is not None:  # a NUL would reach the database (PostgreSQL refuses it: 500)
        raise HTTPException(422, f"username {bad_name}")
    throttle: LoginThrottle = request.app.state.login_throttle
    metrics: Metrics = request.app.state.metrics
    address = request.client.host if request.client else "unknown"
    refusal = await throttle.refusal(form.username, address)
    if refusal is not None:
        metrics.login_refused.labels(refusal.scope).inc()
        log.warning(
            "login refused for %r from %s: too many failures by %s (retry in %d s)",
            form.username,
            address,
            refusal.scope,
            refusal.retry_after,
        )
        raise HTTPException(429, THROTTLED, headers={"Retry-After": str(refusal.retry_after)})
    user = await svc.users.get(form.username)
    # argon2 is deliberately slow: verify in a worker thread, never on the event loop.
    if user is None:
        await asyncio.to_thread(svc.passwords.verify_nobody, form.password)
        valid = False
    else:
        valid = await asyncio.to_thread(svc.passwords.verify, user.password_hash, form.password)
    if user is None or not valid or user.disabled:
        await throttle.failed(form.username, address)
        metrics.login_failures.inc()
        log.info("failed login for %r from %s", form.username, address)
        raise HTTPException(401, WRONG)
    await throttle.succeeded(form.username)
    identity = Identity(username=user.username, role=Role(user.role), seat=user.seat)
    return TokenOut(
        access_token=svc.tokens.issue(identity),
        expires_in=int(svc.tokens.ttl.total_seconds()),
        role=user.role,
        seat=user.seat,
    )


@router.get("/me", responses=UNAUTHORIZED)
async def me(who: Who) -> UserOut:
    """The identity the token carries."""
    return UserOut(username=who.username, role=who.role.value, seat=who.seat, disabled=False)
