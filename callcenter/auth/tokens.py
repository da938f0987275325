"""JWT access tokens (HS256, PyJWT): subject, role, seat, expiry.

``decode`` raises ``InvalidTokenError`` for anything it does not accept (bad signature, expired,
missing claims, unknown role); it never returns a partial identity.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from callcenter.auth.roles import Role
from callcenter.errors import CallcenterError

DEFAULT_SECRET = "change-me"
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32


class InvalidTokenError(CallcenterError):
    """The bearer token is missing, malformed, expired or not ours."""


class InsecureSecretError(CallcenterError):
    """The JWT secret is the default one outside demo mode."""


@dataclass(frozen=True, kw_only=True)
class Identity:
    username: str
    role: Role
    seat: str | None = None
    # When the token that carried this identity stops being valid (None: not from a token).
    expires_at: datetime | None = None


class Tokens:
    def __init__(self, secret: str, *, ttl: timedelta = timedelta(hours=9)) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise InsecureSecretError(
                f"api.jwt_secret must be at least {MIN_SECRET_BYTES} bytes (RFC 7518 3.2)"
            )
        self._secret = secret
        self.ttl = ttl

    def issue(self, identity: Identity, *, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "sub": identity.username,
            "role": identity.role.value,
            "seat": identity.seat,
            "iat": int(now.timestamp()),
            "exp": int((now + self.ttl).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> Identity:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
            return Identity(
                username=str(claims["sub"]),
                role=Role(claims["role"]),
                seat=claims.get("seat"),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidTokenError(str(exc)) from exc


def check_secret(secret: str, *, demo: bool) -> None:
    """Refuse to start with the default (or a short) secret unless in demo mode."""
    if demo:
        return
    if secret == DEFAULT_SECRET:
        raise InsecureSecretError(
            "api.jwt_secret is the default 'change-me': set CALLCENTER_API__JWT_SECRET "
            "(or run `callcenter demo`)"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise InsecureSecretError(f"api.jwt_secret must be at least {MIN_SECRET_BYTES} bytes")


def signing_secret(secret: str, *, demo: bool) -> str:
    """The secret to sign with: in demo mode the default one is replaced by a random one
    (tokens then last as long as the process, which is what a demo needs)."""
    check_secret(secret, demo=demo)
    if demo and (secret == DEFAULT_SECRET or len(secret.encode()) < MIN_SECRET_BYTES):
        return secrets.token_urlsafe(32)
    return secret
