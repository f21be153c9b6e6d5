"""The quota a person can see before pressing Generate: what is left of every limit that applies to
them (images per day and month, their groups' images and budgets), what this request would cost, and
whether it nears or passes a limit. Reads the same counters `quotas.reserve` adds to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from limner.db import utcnow
from limner.identity.schemas import Principal
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import ImageRequest
from limner.usage.costs import MICRO, image_price
from limner.usage.counters import CounterItem
from limner.usage.quotas import QuotaContext, plan

_PERIODS = {"d": "today", "m": "this month"}


@dataclass(frozen=True, slots=True)
class QuotaLine:
    label: str  # "Your images today", "Group design: budget this month"
    money: bool
    used: int  # images, or micro-dollars when `money`
    limit: int
    amount: int  # what this request adds
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def shown(self, value: int) -> str:
        return f"${Decimal(value) / MICRO:.2f}" if self.money else str(value)

    def state(self, warn_at: float) -> str:
        """ok, near (this request takes it past `warn_at` of the limit) or over."""
        after = self.used + self.amount
        if after > self.limit:
            return "over"
        return "near" if self.limit == 0 or after >= self.limit * warn_at else "ok"


@dataclass(frozen=True, slots=True)
class QuotaView:
    lines: list[QuotaLine]
    cost: Decimal  # USD for this request at the vendor's list price
    warn_at: float

    @property
    def resets_at(self) -> datetime | None:
        """When the soonest limit starts again."""
        return min((line.resets_at for line in self.lines), default=None)

    @property
    def worst(self) -> str:
        states = {line.state(self.warn_at) for line in self.lines}
        return next((s for s in ("over", "near") if s in states), "ok")


async def quota_view(
    c: QuotaContext, principal: Principal, spec: ModelSpec, *, n: int, size: str | None, quality: str | None
) -> QuotaView:
    request = ImageRequest(
        operation="generate", model=spec.upstream_id, prompt=None, n=n, size=size, quality=quality
    )
    cfg = c.quota_settings
    items = plan(cfg, principal, spec, request, utcnow())
    lines = [_line(item, await c.counters.used(item.key)) for item in items]
    cost = image_price(spec.upstream_id, size, quality) * n
    return QuotaView(lines=lines, cost=cost, warn_at=cfg.warn_at)


def _line(item: CounterItem, used: int) -> QuotaLine:
    kind, subject, name, period = item.key.split(":")[:4]
    what = "budget" if kind == "usd" else "images"
    owner = "Your" if subject == "user" else ("This API key's" if subject == "key" else f"Group {name}:")
    label = f"{owner} {what} {_PERIODS.get(period, period)}"
    return QuotaLine(label, kind == "usd", used, item.limit, item.amount, item.expires_at)
