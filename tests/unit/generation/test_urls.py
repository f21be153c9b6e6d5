"""Unit tests: signed image URLs (integration twin: tests/integration/generation/test_routes.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from limner.errors import NotFoundError
from limner.generation import urls

SECRET = b"k" * 32


def parts(url: str) -> tuple[str, int, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return parsed.path.rsplit("/", 1)[1], int(query["expires"][0]), query["signature"][0]


def test_signed_url_verifies_until_it_expires() -> None:
    image_id, expires, signature = parts(
        urls.signed_url("https://l.example/", SECRET, "abc", ttl_s=60, now=1000)
    )
    assert (image_id, expires) == ("abc", 1060)
    urls.check_signature(SECRET, image_id, expires, signature, now=1059)
    with pytest.raises(NotFoundError):
        urls.check_signature(SECRET, image_id, expires, signature, now=1061)


@pytest.mark.parametrize(
    ("image_id", "expires_delta", "secret"),
    [("other", 0, SECRET), ("abc", 1, SECRET), ("abc", 0, b"j" * 32)],
)
def test_tampered_or_foreign_signatures_are_refused(image_id: str, expires_delta: int, secret: bytes) -> None:
    _, expires, signature = parts(urls.signed_url("https://l.example", SECRET, "abc", ttl_s=60, now=1000))
    with pytest.raises(NotFoundError):
        urls.check_signature(secret, image_id, expires + expires_delta, signature, now=1000)
