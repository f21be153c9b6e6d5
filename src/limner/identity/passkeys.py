"""WebAuthn passkeys (py_webauthn): registration and authentication, challenges kept on the session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.options_to_json_dict import options_to_json_dict
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from limner.db import utcnow
from limner.identity.models import AuthSession, Passkey
from limner.settings import Settings


def relying_party(settings: Settings) -> tuple[str, str]:
    """(rp_id, origin): from the MFA settings, else from the public URL."""
    cfg = settings.identity.mfa
    origin = (cfg.origin or settings.public_url).rstrip("/")
    return cfg.rp_id or (urlsplit(origin).hostname or "localhost"), origin


async def registration_options(
    session: AsyncSession, row: AuthSession, *, email: str, display_name: str, settings: Settings
) -> dict[str, Any]:
    rp_id, _ = relying_party(settings)
    existing = await _passkeys(session, row.user_id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.identity.mfa.issuer,
        user_name=email,
        user_id=row.user_id.encode(),
        user_display_name=display_name or email,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.id)) for p in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    row.challenge = "reg:" + bytes_to_base64url(options.challenge)
    return options_to_json_dict(options)


async def register(
    session: AsyncSession, row: AuthSession, *, credential: dict[str, Any], name: str, settings: Settings
) -> Passkey | None:
    """Verify the authenticator's attestation against the stored challenge; None on any failure."""
    challenge = _take_challenge(row, "reg:")
    rp_id, origin = relying_party(settings)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin
        )
    except Exception:  # py_webauthn raises several types; every one means "not verified"
        return None
    passkey = Passkey(
        id=bytes_to_base64url(verified.credential_id),
        user_id=row.user_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name[:200] or "passkey",
    )
    session.add(passkey)
    await session.flush()
    return passkey


async def authentication_options(
    session: AsyncSession, row: AuthSession, *, settings: Settings
) -> dict[str, Any]:
    rp_id, _ = relying_party(settings)
    allowed = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.id))
        for p in await _passkeys(session, row.user_id)
    ]
    options = generate_authentication_options(rp_id=rp_id, allow_credentials=allowed)
    row.challenge = "auth:" + bytes_to_base64url(options.challenge)
    return options_to_json_dict(options)


async def authenticate(
    session: AsyncSession, row: AuthSession, *, credential: dict[str, Any], settings: Settings
) -> bool:
    challenge = _take_challenge(row, "auth:")
    passkey = await session.get(Passkey, str(credential.get("id", "")))
    if passkey is None or passkey.user_id != row.user_id:
        return False
    rp_id, origin = relying_party(settings)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except Exception:  # a bad signature, challenge, origin or a sign count that went backwards
        return False
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return True


async def list_passkeys(session: AsyncSession, user_id: str) -> list[Passkey]:
    return await _passkeys(session, user_id)


async def _passkeys(session: AsyncSession, user_id: str) -> list[Passkey]:
    query = select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
    return list((await session.execute(query)).scalars())


def _take_challenge(row: AuthSession, prefix: str) -> bytes:
    # Single use: the challenge is cleared whatever the outcome, so a captured response cannot be replayed.
    value, row.challenge = row.challenge or "", None
    return base64url_to_bytes(value[len(prefix) :]) if value.startswith(prefix) else b"\x00" * 32
