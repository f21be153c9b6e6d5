"""Password hashing with argon2id, the strength policy (length, common/breached list), generated passwords."""

from __future__ import annotations

import gzip
import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from limner.errors import InvalidRequestError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
MAX_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is a cheap denial of service


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """Verifying against this when the user does not exist makes unknown-user and wrong-password
    answers take the same time, so timing does not reveal which emails have accounts. Made on
    first use, not at import: an argon2 hash costs time every command would pay."""
    return _HASHER.hash("limner-dummy-password-for-timing")


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def check_password_policy(password: str, *, min_length: int) -> None:
    """Refuse short passwords and ones on the shipped common/breached list (see data/SOURCE.md)."""
    if len(password) < min_length:
        raise InvalidRequestError(
            f"The password must have at least {min_length} characters.",
            param="password",
            code="weak_password",
        )
    if len(password) > MAX_LENGTH:
        raise InvalidRequestError(
            f"The password must have at most {MAX_LENGTH} characters.", param="password", code="weak_password"
        )
    if password.lower() in common_passwords():
        raise InvalidRequestError(
            "This password appears in lists of common or breached passwords; choose another.",
            param="password",
            code="weak_password",
        )


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("limner.identity").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line for line in gzip.decompress(data).decode().splitlines() if line)
