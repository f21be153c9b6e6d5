"""Request and response bodies for MFA verification and enrolment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from limner.identity.schemas import Strict


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


class PasskeyRead(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
