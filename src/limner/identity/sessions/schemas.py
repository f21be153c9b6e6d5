"""Request and response bodies for sign-in, sign-out, the current user and password reset."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from limner.identity.schemas import Strict


class LoginBody(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class LoginResult(BaseModel):
    status: Literal["ok", "mfa_required"]
    csrf_token: str
    factors: list[str] = Field(default_factory=list, description="Enrolled factors; empty: enrol one")


class Me(BaseModel):
    id: str
    email: str
    roles: list[str]
    groups: list[str]
    permissions: list[str]
    via: str
    mfa_at: datetime | None


class ResetBody(Strict):
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=1024)
