"""Signed, expiring URLs for generated images served by Limner itself (never a provider URL)."""

from __future__ import annotations

import hashlib
import hmac
import time

from limner.errors import NotFoundError


def sign(secret_key: bytes, image_id: str, expires: int) -> str:
    return hmac.new(secret_key, f"image:{image_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_url(
    base_url: str, secret_key: bytes, image_id: str, *, ttl_s: int, now: float | None = None
) -> str:
    expires = int((now or time.time()) + ttl_s)
    signature = sign(secret_key, image_id, expires)
    return f"{base_url.rstrip('/')}/v1/images/files/{image_id}?expires={expires}&signature={signature}"


def check_signature(
    secret_key: bytes, image_id: str, expires: int, signature: str, *, now: float | None = None
) -> None:
    """Raise NotFoundError for a bad or expired signature: no hint which, nothing to probe."""
    # compare_digest refuses non-ASCII str: compare bytes, so any signature is just "wrong".
    expected = sign(secret_key, image_id, expires).encode()
    valid = hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))
    if not valid or expires < (now or time.time()):
        raise NotFoundError("This image link is invalid or has expired.")
