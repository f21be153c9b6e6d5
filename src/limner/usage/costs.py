"""What one image costs at the vendor, per model, size and quality, in micro-dollars (integers add exactly).

Prices are OpenAI's published per-image prices for image generation output, from the "Image
generation" table of https://platform.openai.com/docs/pricing (checked 2026-11; the per-image table on
https://openai.com/api/pricing/ and the model pages for gpt-image-1, gpt-image-1-mini, gpt-image-1.5,
dall-e-3 and dall-e-2 agree). Input-text and input-image tokens are not included: budgets count
output images. "auto" (or a missing) size or quality is priced at the most expensive option, so a
reservation never underestimates."""

from __future__ import annotations

from decimal import Decimal

MICRO = Decimal(1_000_000)
_SQUARE = "1024x1024"
_GPT_SIZES = ("1024x1024", "1024x1536", "1536x1024")


def _gpt(low: tuple[str, str], medium: tuple[str, str], high: tuple[str, str]) -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for quality, (square, other) in (("low", low), ("medium", medium), ("high", high)):
        for size in _GPT_SIZES:
            table[(size, quality)] = square if size == _SQUARE else other
    return table


# (size, quality) -> USD per image. dall-e-2 has one quality ("standard").
PRICES: dict[str, dict[tuple[str, str], str]] = {
    "gpt-image-1": _gpt(("0.011", "0.016"), ("0.042", "0.063"), ("0.167", "0.25")),
    "gpt-image-1-mini": _gpt(("0.005", "0.006"), ("0.011", "0.015"), ("0.036", "0.052")),
    "gpt-image-1.5": _gpt(("0.009", "0.013"), ("0.034", "0.05"), ("0.133", "0.2")),
    "dall-e-3": {
        ("1024x1024", "standard"): "0.04",
        ("1024x1792", "standard"): "0.08",
        ("1792x1024", "standard"): "0.08",
        ("1024x1024", "hd"): "0.08",
        ("1024x1792", "hd"): "0.12",
        ("1792x1024", "hd"): "0.12",
    },
    "dall-e-2": {
        ("256x256", "standard"): "0.016",
        ("512x512", "standard"): "0.018",
        ("1024x1024", "standard"): "0.02",
    },
}


def image_price(model: str, size: str | None, quality: str | None) -> Decimal:
    """USD for one image; 0 for models without a price (local or self-hosted ones)."""
    table = PRICES.get(model)
    if table is None:
        return Decimal(0)
    candidates = [
        Decimal(price)
        for (s, q), price in table.items()
        if (size in (None, "auto") or s == size) and (_quality(model, quality) in (None, q))
    ]
    # A size or quality the table lacks is priced at the model's maximum: never under-reserve.
    return max(candidates, default=max(Decimal(p) for p in table.values()))


def image_price_micro(model: str, size: str | None, quality: str | None) -> int:
    return int(image_price(model, size, quality) * MICRO)


def _quality(model: str, quality: str | None) -> str | None:
    if model == "dall-e-2":
        return "standard"
    if quality in (None, "auto"):
        return None
    return quality
