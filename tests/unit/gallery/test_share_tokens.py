"""Unit tests: share-link tokens are stored only as a keyed hash, and a share is live until it is
revoked or expires; the gallery filter searches everything by default.

Integration twin: tests/integration/gallery/test_sharing_rules.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from limner.db import utcnow
from limner.gallery.models import Share
from limner.gallery.service import STATUSES, GalleryFilter
from limner.gallery.sharing import is_live, token_hash

KEY = b"k" * 32


def test_a_token_hash_is_stable_hex_and_never_the_token() -> None:
    digest = token_hash(KEY, "tok-123")
    assert digest == token_hash(KEY, "tok-123")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert "tok-123" not in digest


@pytest.mark.parametrize(
    ("key", "token"),
    [(b"another key" * 3, "tok-123"), (KEY, "tok-124"), (KEY, "TOK-123"), (KEY, "")],
)
def test_a_different_key_or_token_gives_a_different_hash(key: bytes, token: str) -> None:
    assert token_hash(key, token) != token_hash(KEY, "tok-123")


@pytest.mark.parametrize(
    ("expires_in", "revoked", "live"),
    [
        (None, False, True),  # an internal share never expires
        (timedelta(days=1), False, True),
        (timedelta(seconds=-1), False, False),
        (timedelta(days=1), True, False),
        (None, True, False),
    ],
)
def test_a_share_is_live_until_revoked_or_expired(
    expires_in: timedelta | None, revoked: bool, live: bool
) -> None:
    now = utcnow()
    share = Share(
        image_id="i",
        owner_id="o",
        kind="link",
        expires_at=now + expires_in if expires_in is not None else None,
        revoked_at=now if revoked else None,
    )
    assert is_live(share) is live


def test_the_default_filter_searches_every_status_and_model() -> None:
    assert GalleryFilter() == GalleryFilter(since=None, until=None, model=None, status=None)
    assert set(STATUSES) == {"completed", "held", "blocked", "failed", "pending"}
