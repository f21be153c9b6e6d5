"""SSO sign-in: pending OIDC states, and mapping verified claims to a Limner user (just-in-time)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.identity.accounts import groups, service
from limner.identity.accounts.models import User
from limner.identity.config import OidcProviderConfig
from limner.identity.sessions.service import token_hash
from limner.identity.sso.models import ExternalIdentity, OidcState
from limner.identity.sso.oidc import AuthRequest, sso_failed

STATE_TTL = timedelta(minutes=10)


async def save_state(
    session: AsyncSession, request: AuthRequest, *, provider: str, secret_key: bytes
) -> None:
    await session.execute(delete(OidcState).where(OidcState.expires_at < utcnow()))
    session.add(
        OidcState(
            id=token_hash(secret_key, request.state, "oidc-state"),
            provider=provider,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            expires_at=utcnow() + STATE_TTL,
        )
    )


async def take_state(session: AsyncSession, *, state: str, provider: str, secret_key: bytes) -> OidcState:
    """The pending sign-in for `state`, removed so it works once."""
    row = await session.get(OidcState, token_hash(secret_key, state, "oidc-state"))
    if row is None or row.provider != provider or row.expires_at < utcnow():
        raise sso_failed("unknown, expired or reused state")
    await session.delete(row)
    return row


async def user_for_claims(
    session: AsyncSession,
    provider: OidcProviderConfig,
    claims: dict[str, Any],
    *,
    custom_roles: dict[str, list[str]],
) -> User:
    """Find or provision the user, then apply the provider's group and role mapping."""
    link = (
        await session.execute(
            select(ExternalIdentity).where(
                ExternalIdentity.provider == provider.name, ExternalIdentity.subject == str(claims["sub"])
            )
        )
    ).scalar_one_or_none()
    user = await session.get(User, link.user_id) if link else await _link_or_create(session, provider, claims)
    if user is None or user.status != "active":
        raise sso_failed("account missing or not active")
    await _apply_mapping(session, user, provider, claims, custom_roles)
    return user


async def _link_or_create(
    session: AsyncSession, provider: OidcProviderConfig, claims: dict[str, Any]
) -> User:
    email = str(claims.get(provider.mapping.email_claim) or "").strip().lower()
    # Linking by email trusts the IdP's verification: an unverified address could take over an account.
    if not email or claims.get("email_verified") is False:
        raise sso_failed("no verified email claim")
    user = await service.find_user(session, email=email)
    if user is None:
        if not provider.jit_provisioning:
            raise sso_failed("no account and just-in-time provisioning is off")
        user = await service.create_user(
            session,
            email=email,
            roles=list(provider.mapping.default_roles),
            display_name=str(claims.get(provider.mapping.name_claim) or ""),
        )
        await record(
            session,
            action=AuditAction.USER_PROVISIONED,
            subject_type="user",
            subject_id=user.id,
            data={"provider": provider.name},
        )
    session.add(ExternalIdentity(provider=provider.name, subject=str(claims["sub"]), user_id=user.id))
    await session.flush()
    return user


async def _apply_mapping(
    session: AsyncSession,
    user: User,
    provider: OidcProviderConfig,
    claims: dict[str, Any],
    custom_roles: dict[str, list[str]],
) -> None:
    """The IdP is the source of truth for SSO users: roles and mapped groups follow its claims."""
    mapping = provider.mapping
    raw = claims.get(mapping.groups_claim) or []
    idp_groups = {str(g) for g in raw} if isinstance(raw, list) else {str(raw)}
    roles = set(mapping.default_roles).union(*(mapping.roles.get(g, []) for g in idp_groups))
    if roles and sorted(roles) != sorted(user.roles):
        await service.set_roles(session, user, sorted(roles), custom_roles=custom_roles)
    for idp_group, name in sorted(mapping.groups.items()):
        group = await groups.find_group(session, name=name) or await groups.create_group(session, name=name)
        if idp_group in idp_groups:
            await groups.add_members(session, group, [user.id])
        else:
            await groups.remove_members(session, group, [user.id])
