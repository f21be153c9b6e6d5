"""API key format and hashing: `lmn_<id>_<secret>`, stored as an HMAC so a database leak reveals none."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

PREFIX = "lmn_"
_ALPHABET = string.ascii_letters + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def mint_key() -> tuple[str, str]:
    """Return (key_id, full_key). The id is public; the full key is shown once."""
    key_id = _random(12)
    return key_id, f"{PREFIX}{key_id}_{_random(40)}"


def parse_key_id(key: str) -> str | None:
    if not key.startswith(PREFIX) or len(key) != len(PREFIX) + 12 + 1 + 40:
        return None
    key_id, sep, _ = key[len(PREFIX) :].partition("_")
    return key_id if sep and len(key_id) == 12 else None


def hash_key(secret_key: bytes, key: str) -> str:
    return hmac.new(secret_key, key.encode(), hashlib.sha256).hexdigest()


def keys_match(secret_key: bytes, key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(secret_key, key), stored_hash)


def pseudonym(secret_key: bytes, user_id: str) -> str:
    """A stable pseudonymous id for a user (C2PA creator, upstream `user`, review queue)."""
    return "u_" + hmac.new(secret_key, b"pseudonym:" + user_id.encode(), hashlib.sha256).hexdigest()[:20]
