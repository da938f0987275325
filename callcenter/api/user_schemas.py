"""Request and response models of log-in, users and the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.api.text import OneLine, SecretText
from callcenter.auth.roles import Role


class TokenOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIs...",
                    "token_type": "bearer",
                    "expires_in": 32400,
                    "role": "operator",
                    "seat": "Seat 03",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str
    seat: str | None


class UserOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"username": "amina", "role": "operator", "seat": "Seat 03", "disabled": False}
            ]
        }
    )

    username: str
    role: Role
    seat: str | None
    disabled: bool


class UserIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "amina",
                    "password": "a long passphrase",
                    "role": "operator",
                    "seat": "Seat 03",
                }
            ]
        }
    )

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: SecretText = Field(min_length=10, max_length=200)
    role: Role
    seat: OneLine | None = Field(default=None, min_length=1, max_length=80)


class AccessLogOut(BaseModel):
    id: int
    at: datetime
    username: str
    role: str
    action: str
    call_id: str | None
    detail: str
