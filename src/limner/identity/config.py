"""Settings for identity and access control."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IdentitySettings(BaseModel):
    custom_roles: dict[str, list[str]] = Field(
        default_factory=dict, description="Extra roles: name -> permissions"
    )
