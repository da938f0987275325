"""The people who use the API (``users``) and the auditors' access log (``access_log``).

Promises: user names are unique whatever their case (``ADMIN`` cannot join ``admin``; the
database's unique index on ``lower(username)`` holds it under races too); a disabled user
stays in the table (its history is kept); ``access_log`` rows are only ever inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Index, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel

from callcenter.storage.types import UtcDateTime


class UserRecord(SQLModel, table=True):
    __tablename__ = "users"

    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)
    seat: str | None = Field(default=None, max_length=80)  # operators: the seat they work
    disabled: bool = False
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class AccessLogEntry(SQLModel, table=True):
    """Who read what: every timeline read and export is recorded here."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    username: str = Field(max_length=64)
    role: str = Field(max_length=16)
    action: str = Field(max_length=32)  # timeline (also GET /me/call), export
    call_id: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="", max_length=400)


USERS = UserRecord.__table__  # type: ignore[attr-defined]
ACCESS_LOG = AccessLogEntry.__table__  # type: ignore[attr-defined]


class UserExistsError(Exception):
    """A user with that name is already registered."""


@dataclass(frozen=True, kw_only=True)
class User:
    username: str
    role: str
    seat: str | None = None
    disabled: bool = False
    password_hash: str = ""


def _user(row: Any) -> User:
    return User(
        username=row.username,
        role=row.role,
        seat=row.seat,
        disabled=row.disabled,
        password_hash=row.password_hash,
    )


class UserStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, username: str, password_hash: str, role: str, seat: str | None) -> User:
        values = {
            "username": username,
            "password_hash": password_hash,
            "role": role,
            "seat": seat,
            "disabled": False,
            "created_at": datetime.now(UTC),
        }
        same = func.lower(USERS.c.username) == func.lower(username)
        try:
            async with self.engine.begin() as conn:
                if (await conn.execute(select(USERS.c.username).where(same))).first():
                    raise UserExistsError(username)
                await conn.execute(USERS.insert().values(**values))
        except IntegrityError as exc:
            raise UserExistsError(username) from exc
        return User(username=username, role=role, seat=seat, password_hash=password_hash)

    async def get(self, username: str) -> User | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(USERS).where(USERS.c.username == username))).first()
        return _user(row) if row else None

    async def all(self) -> list[User]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(USERS).order_by(USERS.c.username))
            return [_user(row) for row in rows]

    async def set_disabled(self, username: str, disabled: bool = True) -> bool:
        """Returns False if there is no such user."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(USERS).where(USERS.c.username == username).values(disabled=disabled)
            )
            return bool(result.rowcount)

    async def log_access(
        self, *, username: str, role: str, action: str, call_id: str | None, detail: str = ""
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                ACCESS_LOG.insert().values(
                    at=datetime.now(UTC),
                    username=username,
                    role=role,
                    action=action,
                    call_id=call_id,
                    detail=detail[:400],
                )
            )

    async def access_log(
        self,
        *,
        username: str | None = None,
        call_id: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Entries newest first; ``before`` (an entry id) continues a page where it ended.
        ``since`` is inclusive, ``until`` exclusive; every filter given must match."""
        query = select(ACCESS_LOG).order_by(ACCESS_LOG.c.id.desc()).limit(limit)
        for column, value in (
            (ACCESS_LOG.c.username, username),
            (ACCESS_LOG.c.call_id, call_id),
            (ACCESS_LOG.c.action, action),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(ACCESS_LOG.c.at >= since)
        if until is not None:
            query = query.where(ACCESS_LOG.c.at < until)
        if before is not None:
            query = query.where(ACCESS_LOG.c.id < before)
        async with self.engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]
