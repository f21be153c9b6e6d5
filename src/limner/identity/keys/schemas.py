"""Request and response bodies for the API key admin API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from limner.identity.schemas import Strict


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
