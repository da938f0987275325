"""Users (admin): list, add, disable. The same as ``callcenter users ...`` on the command line."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException

from callcenter.api.access import GUARD, UNAUTHORIZED, Svc
from callcenter.api.user_schemas import UserIn, UserOut
from callcenter.errors import SeatsUnknownError
from callcenter.storage.users import User, UserExistsError

router = APIRouter(prefix="/users", tags=["users"], dependencies=GUARD, responses=UNAUTHORIZED)


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(
        {"username": user.username, "role": user.role, "seat": user.seat, "disabled": user.disabled}
    )


@router.get("")
async def list_users(svc: Svc) -> list[UserOut]:
    return [user_out(u) for u in await svc.users.all()]


@router.post(
    "",
    status_code=201,
    responses={
        409: {"description": "user exists (names are compared ignoring case)"},
        422: {"description": "invalid, or the seat is not one the PBX has"},
        503: {"description": "the bridge has not heard from the PBX yet (seats unknown)"},
    },
)
async def add_user(body: UserIn, svc: Svc) -> UserOut:
    if body.role == "operator" and not body.seat:
        raise HTTPException(422, "an operator needs a seat")
    if body.seat is not None and not svc.seats.synced():
        raise SeatsUnknownError()  # 503: which seats the PBX has is not known yet
    if body.seat is not None and svc.seats.seat(body.seat) is None:
        known = ", ".join(s.name for s in svc.seats.seats()) or "none yet"
        raise HTTPException(422, f"seat {body.seat!r} is not a seat of the PBX (known: {known})")
    try:
        password_hash = await asyncio.to_thread(svc.passwords.hash, body.password)
        user = await svc.users.add(body.username, password_hash, body.role, body.seat)
    except UserExistsError as exc:
        raise HTTPException(409, f"user {body.username!r} exists") from exc
    return user_out(user)


@router.post("/{username}/disable", responses={404: {"description": "no such user"}})
async def disable_user(username: str, svc: Svc) -> UserOut:
    """Disable the account: its tokens stop working at once, its open live feeds close (4401)
    on every API process."""
    if not await svc.users.set_disabled(username):
        raise HTTPException(404, "no such user")
    user = await svc.users.get(username)
    assert user is not None
    # Every API process reads the live log: each closes the user's feeds (callcenter.api.live).
    # If the log is down, the message waits for it, and each feed still sees the disable at
    # its next database re-check.
    await svc.hub.announce("user", "disabled", payload={"username": user.username})
    return user_out(user)
