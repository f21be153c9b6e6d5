"""Find the data subject of a request: a live user, an erased one (clear error), or nobody (404)."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.errors import ConflictError, NotFoundError
from limner.identity.accounts.models import User
from limner.privacy.models import Erasure


def email_hmac(secret_key: bytes, email: str) -> str:
    """A keyed hash: proves "this address was erased" without keeping the address."""
    return hmac.new(secret_key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


async def find_subject(
    session: AsyncSession, *, secret_key: bytes, email: str, purpose: str = "export"
) -> User:
    """The user with `email`; an erased person is a 409 saying when ("already erased on DATE")."""
    user = (
        await session.execute(select(User).where(User.email == email.strip().lower()))
    ).scalar_one_or_none()
    if user is not None:
        return user
    erased = await session.execute(
        select(Erasure.erased_at).where(Erasure.email_hmac == email_hmac(secret_key, email))
    )
    at = erased.scalar()
    if at is not None:
        when = at.date().isoformat()
        if purpose == "erase":
            raise ConflictError(f"{email} was already erased on {when}", code="already_erased")
        raise ConflictError(f"the data of {email} was erased on {when}; nothing is left to {purpose}")
    raise NotFoundError(f"no user with email {email}")
