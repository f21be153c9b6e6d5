"""Unit: the vendor price table and per-image pricing (micro-dollars)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from limner.usage.costs import PRICES, image_price, image_price_micro


@pytest.mark.parametrize(
    ("model", "size", "quality", "usd"),
    [
        ("dall-e-2", "256x256", None, "0.016"),
        ("dall-e-2", "1024x1024", "standard", "0.02"),
        ("dall-e-3", "1024x1024", "standard", "0.04"),
        ("dall-e-3", "1792x1024", "hd", "0.12"),
        ("gpt-image-1", "1024x1024", "low", "0.011"),
        ("gpt-image-1", "1536x1024", "high", "0.25"),
        ("gpt-image-1-mini", "1024x1536", "medium", "0.015"),
        ("gpt-image-1.5", "1024x1024", "high", "0.133"),
        ("gpt-image-1.5", "auto", "auto", "0.2"),  # auto is priced at the maximum
        ("gpt-image-1", None, "low", "0.016"),
        ("dall-e-3", "1024x1024", None, "0.08"),
        ("limner-local", "256x256", None, "0"),
    ],
)
def test_prices(model: str, size: str | None, quality: str | None, usd: str) -> None:
    assert image_price(model, size, quality) == Decimal(usd)


def test_every_vendor_model_is_priced_and_prices_are_positive() -> None:
    assert set(PRICES) == {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"}
    assert all(Decimal(p) > 0 for table in PRICES.values() for p in table.values())
    assert len(PRICES["gpt-image-1"]) == 9


def test_micro_dollars_are_exact_integers() -> None:
    assert image_price_micro("gpt-image-1.5", "1024x1024", "low") == 9_000
    assert image_price_micro("dall-e-2", "512x512", None) * 3 == 54_000
