"""Settings for quotas and budgets: image counts per user, key and group; money budgets per group."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class DatabaseCounterConfig(BaseModel):
    kind: Literal["database"] = "database"


class RedisCounterConfig(BaseModel):
    kind: Literal["redis"] = "redis"
    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "{limner-quota}:"  # one hash tag: the Lua script works on Redis Cluster


CounterStoreConfig = Annotated[DatabaseCounterConfig | RedisCounterConfig, Field(discriminator="kind")]


class ImageLimits(BaseModel):
    per_day: int | None = Field(default=None, ge=0)
    per_month: int | None = Field(default=None, ge=0)


class GroupQuota(ImageLimits):
    budget_usd_per_month: Decimal | None = Field(default=None, ge=0)


class QuotaSettings(BaseModel):
    store: CounterStoreConfig = Field(default_factory=DatabaseCounterConfig)
    per_user: ImageLimits = Field(default_factory=ImageLimits)
    per_key: ImageLimits = Field(default_factory=ImageLimits)
    groups: dict[str, GroupQuota] = Field(default_factory=dict, description="Group name -> quota")
    warn_at: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Warn in the workspace once a request would use this share of a limit",
    )
