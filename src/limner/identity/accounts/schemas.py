"""Request and response bodies for the user and group admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from limner.identity.schemas import Strict


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
