"""Login (OAuth2 password flow) and who am I."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordRequestForm

from callcenter.api.access import UNAUTHORIZED, Svc, Who
from callcenter.api.schemas import TokenOut, UserOut
from callcenter.auth.roles import Role
from callcenter.auth.tokens import Identity

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses={401: {"description": "wrong user name or password"}})
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: Svc) -> TokenOut:
    """Exchange a user name and password for a bearer token (OAuth2 password flow)."""
    user = await svc.users.get(form.username)
    # argon2 is deliberately slow: verify in a worker thread, never on the event loop.
    if user is None:
        await asyncio.to_thread(svc.passwords.verify_nobody, form.password)
        raise HTTPException(401, "wrong user name or password")
    valid = await asyncio.to_thread(svc.passwords.verify, user.password_hash, form.password)
    if not valid or user.disabled:
        raise HTTPException(401, "wrong user name or password")
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
