"""Sharing an image under policy: with a person or group (internal), or an external link that expires.

Every share and revocation is audited. External links need the permission `images.share_external`
(roles and custom roles decide who has it); the token is shown once and stored only as an HMAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from limner.gallery.models import Share
from limner.identity.accounts.models import Group, User
from limner.identity.accounts.service import find_group, find_user, groups_of
from limner.identity.schemas import Permission, Principal
from limner.imaging.records import ImageRecord

MAX_LINK_DAYS = 30


def token_hash(secret_key: bytes, token: str) -> str:
    return hmac.new(secret_key, b"share:" + token.encode(), hashlib.sha256).hexdigest()


async def share_inside(
    session: AsyncSession, image: ImageRecord, owner: Principal, *, kind: str, target: str
) -> Share:
    """Share with a person (by email) or a group (by name) of this company."""
    _own(image, owner)
    if kind == "person":
        user = await find_user(session, email=target)
        if user is None or user.status != "active" or user.kind != "person":
            raise InvalidRequestError("There is no active person with that email.", param="target")
        target_id = user.id
    elif kind == "group":
        group = await find_group(session, name=target)
        if group is None:
            raise InvalidRequestError("There is no group with that name.", param="target")
        target_id = group.id
    else:
        raise InvalidRequestError("Share with a person or a group.", param="kind")
    return await _add(
        session, Share(image_id=image.id, owner_id=owner.user_id, kind=kind, target_id=target_id)
    )


async def share_link(
    session: AsyncSession, image: ImageRecord, owner: Principal, *, days: int, secret_key: bytes
) -> tuple[Share, str]:
    """An external link that expires; returns (share, token). The token is never stored."""
    _own(image, owner)
    if not owner.can(Permission.IMAGES_SHARE_EXTERNAL):
        raise PermissionDeniedError("Your organisation's policy does not let you share images outside.")
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidRequestError(f"A link lasts from 1 to {MAX_LINK_DAYS} days.", param="days")
    token = secrets.token_urlsafe(24)
    share = Share(
        image_id=image.id,
        owner_id=owner.user_id,
        kind="link",
        token_hash=token_hash(secret_key, token),
        expires_at=utcnow() + timedelta(days=days),
    )
    return await _add(session, share, days=days), token


async def my_shares(session: AsyncSession, owner_id: str) -> Sequence[Share]:
    query = select(Share).where(Share.owner_id == owner_id).order_by(Share.created_at.desc())
    return (await session.execute(query)).scalars().all()


async def revoke(session: AsyncSession, share_id: str, owner: Principal) -> Share:
    share = await session.get(Share, share_id)
    if share is None or share.owner_id != owner.user_id:
        raise NotFoundError("No such share.")
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        await record(
            session,
            action=AuditAction.SHARE_REVOKED,
            actor_id=owner.user_id,
            subject_type="share",
            subject_id=share.id,
        )
    return share


async def shared_with(session: AsyncSession, user_id: str) -> Sequence[Share]:
    """Live internal shares addressed to this person or one of their groups."""
    group_ids = [g.id for g in await groups_of(session, user_id)]
    query = select(Share).where(
        Share.revoked_at.is_(None),
        or_(
            (Share.kind == "person") & (Share.target_id == user_id),
            (Share.kind == "group") & Share.target_id.in_(group_ids),
        ),
    )
    return (await session.execute(query.order_by(Share.created_at.desc()))).scalars().all()


async def may_view(session: AsyncSession, image: ImageRecord, principal: Principal) -> bool:
    if image.owner_id == principal.user_id:
        return True
    return any(s.image_id == image.id for s in await shared_with(session, principal.user_id))


async def open_link(session: AsyncSession, token: str, *, secret_key: bytes) -> Share:
    """The live link for a token; expired, revoked and unknown links look the same (404)."""
    share = (
        await session.execute(select(Share).where(Share.token_hash == token_hash(secret_key, token)))
    ).scalar_one_or_none()
    expired = share is None or share.expires_at is None or share.expires_at <= utcnow()
    if share is None or expired or share.revoked_at is not None:
        raise NotFoundError("This link has expired or was withdrawn.")
    return share


def is_live(share: Share) -> bool:
    return share.revoked_at is None and (share.expires_at is None or share.expires_at > utcnow())


def _own(image: ImageRecord, owner: Principal) -> None:
    if image.owner_id != owner.user_id:
        raise NotFoundError("No such image.")  # the same answer as for an image that does not exist


async def _add(session: AsyncSession, share: Share, **extra: object) -> Share:
    session.add(share)
    await session.flush()
    await record(
        session,
        action=AuditAction.SHARE_CREATED,
        actor_id=share.owner_id,
        subject_type="image",
        subject_id=share.image_id,
        data={"share_id": share.id, "kind": share.kind, "target_id": share.target_id, **extra},
    )
    return share


async def shares_of(session: AsyncSession, image_id: str) -> Sequence[Share]:
    query = select(Share).where(Share.image_id == image_id).order_by(Share.created_at.desc())
    return (await session.execute(query)).scalars().all()


async def target_names(session: AsyncSession, shares: Sequence[Share]) -> dict[str, str]:
    """share id -> who it is for: an email, a group's name, or "anyone with the link"."""
    user_ids = {s.target_id for s in shares if s.kind == "person" and s.target_id}
    group_ids = {s.target_id for s in shares if s.kind == "group" and s.target_id}
    users = await session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
    found = await session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids)))
    emails: dict[str, str] = {row[0]: row[1] for row in users}
    groups: dict[str, str] = {row[0]: row[1] for row in found}
    names = {**emails, **{k: f"group {v}" for k, v in groups.items()}}
    return {s.id: names.get(s.target_id or "", "anyone with the link") for s in shares}
