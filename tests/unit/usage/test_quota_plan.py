"""Unit: which counters a request adds to, their windows and limits, and the 429 it raises."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from limner.errors import QuotaExceededError
from limner.identity.schemas import Principal
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import ImageRequest
from limner.usage.config import GroupQuota, ImageLimits, QuotaSettings
from limner.usage.counters import CounterItem
from limner.usage.quotas import day_end, exceeded, month_end, plan

NOW = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
SPEC = ModelSpec(id="gpt-image-1.5", backend="local", family="gpt-image")


def principal(key: str | None = "k1", groups: frozenset[str] = frozenset()) -> Principal:
    return Principal("u1", "u@example.com", "person", frozenset(), frozenset(), "p", "api_key", key, groups)


def request(n: int = 2) -> ImageRequest:
    return ImageRequest(
        operation="generate", model="gpt-image-1.5", prompt="x", n=n, size="1024x1024", quality="low"
    )


def test_no_limits_means_no_counters() -> None:
    assert plan(QuotaSettings(), principal(), SPEC, request(), NOW) == []


def test_user_key_and_group_counters_with_their_windows() -> None:
    cfg = QuotaSettings(
        per_user=ImageLimits(per_day=10, per_month=100),
        per_key=ImageLimits(per_day=5),
        groups={"design": GroupQuota(per_month=50, budget_usd_per_month=Decimal("1.50"))},
    )
    items = {
        i.key: i for i in plan(cfg, principal(groups=frozenset({"design", "other"})), SPEC, request(), NOW)
    }
    assert set(items) == {
        "img:user:u1:d:2026-12-31",
        "img:user:u1:m:2026-12",
        "img:key:k1:d:2026-12-31",
        "img:group:design:m:2026-12",
        "usd:group:design:m:2026-12",
    }
    assert items["usd:group:design:m:2026-12"].amount == 18_000  # 2 x $0.009
    assert items["usd:group:design:m:2026-12"].limit == 1_500_000
    assert items["img:user:u1:d:2026-12-31"].expires_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_sessions_have_no_key_counter() -> None:
    cfg = QuotaSettings(per_key=ImageLimits(per_day=1))
    assert plan(cfg, principal(key=None), SPEC, request(), NOW) == []


def test_window_ends() -> None:
    assert day_end(NOW) == datetime(2027, 1, 1, tzinfo=UTC)
    assert month_end(NOW) == datetime(2027, 1, 1, tzinfo=UTC)
    assert month_end(datetime(2026, 2, 10, tzinfo=UTC)) == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_429_names_the_quota_and_its_reset_time() -> None:
    item = CounterItem("img:user:u1:d:2026-12-31", 2, 10, day_end(NOW))
    error = exceeded(item, now=NOW)
    assert isinstance(error, QuotaExceededError)
    assert error.status == 429
    assert error.code == "quota_exceeded"
    assert error.headers["retry-after"] == "5400"
    assert error.headers["x-limner-quota-reset"] == "2027-01-01T00:00:00Z"
    assert "your daily image quota of 10" in error.message
    assert "2027-01-01T00:00:00Z" in error.message
    money = exceeded(CounterItem("usd:group:design:m:2026-12", 9, 1_500_000, month_end(NOW)), now=NOW)
    assert "your group's monthly budget of $1.50" in money.message
