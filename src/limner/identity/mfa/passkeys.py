"""WebAuthn passkeys (py_webauthn): registration and authentication, challenges kept on the session."""

from __future__ import annotations

from dataclasses import dataclass
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
from limner.identity.config import MfaSettings
from limner.identity.mfa.models import Passkey
from limner.identity.sessions.models import AuthSession


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who passkeys are bound to: the WebAuthn RP id, origin and the name authenticators show."""

    rp_id: str
    origin: str
    name: str

    @classmethod
    def from_settings(cls, cfg: MfaSettings, public_url: str) -> RelyingParty:
        """From the MFA settings, else from the public URL."""
        origin = (cfg.origin or public_url).rstrip("/")
        return cls(cfg.rp_id or (urlsplit(origin).hostname or "localhost"), origin, cfg.issuer)


async def registration_options(
    session: AsyncSession, row: AuthSession, *, email: str, display_name: str, rp: RelyingParty
) -> dict[str, Any]:
    existing = await _passkeys(session, row.user_id)
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
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
    session: AsyncSession, row: AuthSession, *, credential: dict[str, Any], name: str, rp: RelyingParty
) -> Passkey | None:
    """Verify the authenticator's attestation against the stored challenge; None on any failure."""
    challenge = _take_challenge(row, "reg:")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
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
    session: AsyncSession, row: AuthSession, *, rp: RelyingParty
) -> dict[str, Any]:
    allowed = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.id))
        for p in await _passkeys(session, row.user_id)
    ]
    options = generate_authentication_options(rp_id=rp.rp_id, allow_credentials=allowed)
    row.challenge = "auth:" + bytes_to_base64url(options.challenge)
    return options_to_json_dict(options)


async def authenticate(
    session: AsyncSession, row: AuthSession, *, credential: dict[str, Any], rp: RelyingParty
) -> bool:
    challenge = _take_challenge(row, "auth:")
    passkey = await session.get(Passkey, str(credential.get("id", "")))
    if passkey is None or passkey.user_id != row.user_id:
        return False
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except Exception:  # a bad signature, challenge, origin or a sign count that went backwards
        return False
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return True


async def list_passkeys(session: AsyncSession, user_id: str) -> list[Passkey]:
    return await _passkeys(session, user_id)


async def remove_passkey(session: AsyncSession, *, user_id: str, passkey_id: str) -> bool:
    """Delete one of the user's own passkeys; False when there is none with that id (or it is another's)."""
    passkey = await session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user_id:
        return False
    await session.delete(passkey)
    await session.flush()
    return True


async def _passkeys(session: AsyncSession, user_id: str) -> list[Passkey]:
    query = select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
    return list((await session.execute(query)).scalars())


def _take_challenge(row: AuthSession, prefix: str) -> bytes:
    # Single use: the challenge is cleared whatever the outcome, so a captured response cannot be replayed.
    value, row.challenge = row.challenge or "", None
    return base64url_to_bytes(value[len(prefix) :]) if value.startswith(prefix) else b"\x00" * 32
