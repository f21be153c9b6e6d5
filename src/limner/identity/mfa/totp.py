"""TOTP factors (RFC 6238, pyotp) with QR enrolment and replay protection, and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.errors import ConflictError
from limner.identity.mfa.models import Passkey, RecoveryCode, TotpFactor

RECOVERY_CODES = 10
STEP_S = 30


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """Shown once to the person enrolling; the secret is stored only sealed."""

    secret: str
    uri: str
    qr_svg: str  # data: URI
    qr_png: str  # data: URI


def _seal_key(secret_key: bytes) -> bytes:
    return hmac.new(secret_key, b"limner:totp-seal", hashlib.sha256).digest()


def seal(secret_key: bytes, secret: str, user_id: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_seal_key(secret_key)).encrypt(nonce, secret.encode(), user_id.encode())


def unseal(secret_key: bytes, sealed: bytes, user_id: str) -> str:
    return AESGCM(_seal_key(secret_key)).decrypt(sealed[:12], sealed[12:], user_id.encode()).decode()


async def begin_totp(
    session: AsyncSession, *, user_id: str, email: str, secret_key: bytes, issuer: str
) -> TotpEnrolment:
    row = await session.get(TotpFactor, user_id)
    if row is not None and row.confirmed_at is not None:
        raise ConflictError("An authenticator app is already enrolled; remove it first.")
    secret = pyotp.random_base32()
    if row is None:
        row = TotpFactor(user_id=user_id, sealed_secret=b"")
        session.add(row)
    row.sealed_secret, row.last_step = seal(secret_key, secret, user_id), 0
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)
    qr = segno.make(uri, error="m")
    return TotpEnrolment(secret, uri, qr.svg_data_uri(scale=4), qr.png_data_uri(scale=4))


async def check_totp(
    session: AsyncSession, *, user_id: str, code: str, secret_key: bytes, confirming: bool = False
) -> bool:
    """True once per time step: a code that worked cannot be replayed, even by a concurrent request."""
    row = await session.get(TotpFactor, user_id)
    # isdigit() alone admits other scripts' digits, which compare_digest refuses with a TypeError (a 500).
    if row is None or (row.confirmed_at is None) != confirming or not (code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(unseal(secret_key, row.sealed_secret, user_id))
    now_step = int(time.time()) // STEP_S
    for step in (now_step - 1, now_step, now_step + 1):  # one step of clock drift either way
        if hmac.compare_digest(totp.at(step * STEP_S), code) and await _claim_step(session, user_id, step):
            if confirming:
                row.confirmed_at = utcnow()
            return True
    return False


async def _claim_step(session: AsyncSession, user_id: str, step: int) -> bool:
    result = await session.execute(
        update(TotpFactor)
        .where(TotpFactor.user_id == user_id, TotpFactor.last_step < step)
        .values(last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


async def remove_totp(session: AsyncSession, *, user_id: str) -> bool:
    result = await session.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))


def _code_hash(secret_key: bytes, user_id: str, code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(secret_key, f"recovery:{user_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


async def new_recovery_codes(session: AsyncSession, *, user_id: str, secret_key: bytes) -> list[str]:
    """Ten fresh codes, shown once; earlier codes stop working."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(user_id=user_id, code_hash=_code_hash(secret_key, user_id, c)) for c in codes
    )
    await session.flush()
    return codes


async def use_recovery_code(session: AsyncSession, *, user_id: str, code: str, secret_key: bytes) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _code_hash(secret_key, user_id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


async def factors(session: AsyncSession, user_id: str) -> list[str]:
    """The user's confirmed factors, e.g. ["passkey", "recovery_code", "totp"]."""
    found = []
    totp = await session.get(TotpFactor, user_id)
    if totp is not None and totp.confirmed_at is not None:
        found.append("totp")
    if await _count(session, select(func.count()).where(Passkey.user_id == user_id)):
        found.append("passkey")
    unused = select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    if found and await _count(session, unused):
        found.append("recovery_code")
    return sorted(found)


async def _count(session: AsyncSession, query: object) -> int:
    return int((await session.execute(query)).scalar_one())  # type: ignore[call-overload]
