"""What identity's request-time code needs from the running app, and nothing more (never Components)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.identity.config import IdentitySettings
from limner.identity.mfa.passkeys import RelyingParty
from limner.identity.principal_cache import PrincipalCache
from limner.identity.sessions.cookies import SessionCookies


@dataclass(frozen=True, slots=True)
class IdentityContext:
    """The session factory (sign-in and authentication open their own short transactions), the
    secret key for HMACs and sealing, the identity settings section, the API-key principal cache,
    the cookie policy, the WebAuthn relying party and the public URL (SSO redirects)."""

    sessions: async_sessionmaker[AsyncSession]
    secret_key: bytes
    settings: IdentitySettings
    principals: PrincipalCache
    cookies: SessionCookies
    relying_party: RelyingParty
    public_url: str
