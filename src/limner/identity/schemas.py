"""Request and response bodies for the identity API (sign-in, MFA, users, groups, keys)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class MfaVerifyBody(Strict):
    method: Literal["totp", "recovery_code", "passkey"]
    code: str | None = Field(default=None, max_length=64)
    credential: dict[str, Any] | None = None


class MfaResult(BaseModel):
    status: Literal["ok"] = "ok"
    csrf_token: str
    recovery_codes: list[str] | None = None


class TotpEnrolmentRead(BaseModel):
    secret: str
    uri: str
    qr_svg: str
    qr_png: str


class CodeBody(Strict):
    code: str = Field(max_length=64)


class PasskeyRegisterBody(Strict):
    credential: dict[str, Any]
    name: str = Field(default="passkey", max_length=200)


class UserCreate(Strict):
    email: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=200)
    roles: list[str]
    groups: list[str] = Field(default_factory=list, description="Group names")


class UserUpdate(Strict):
    display_name: str | None = Field(default=None, max_length=200)
    status: Literal["active", "suspended", "deprovisioned"] | None = None
    roles: list[str] | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    display_name: str
    kind: str
    status: str
    roles: list[str]
    created_at: datetime


class UserPage(BaseModel):
    data: list[UserRead]


class ResetLink(BaseModel):
    url: str
    expires_in_s: int


class GroupCreate(Strict):
    name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list)


class GroupUpdate(Strict):
    name: str | None = Field(default=None, max_length=200)
    roles: list[str] | None = None


class GroupMembers(Strict):
    user_ids: list[str]


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    roles: list[str]


class GroupPage(BaseModel):
    data: list[GroupRead]


class KeyCreate(Strict):
    owner_id: str
    roles: list[str] | None = None
    models: list[str] | None = None
    name: str = Field(default="", max_length=200)
    expires_days: int | None = Field(default=None, ge=1, le=3650)


class KeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_id: str
    name: str
    roles: list[str]
    models: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None


class KeyCreated(KeyRead):
    api_key: str = Field(description="Shown once")


class KeyPage(BaseModel):
    data: list[KeyRead]
