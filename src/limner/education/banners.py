"""Announcements shown at the top of every workspace page while active."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.education.models import Banner
from limner.education.schemas import BannerCreate
from limner.errors import ConflictError, InvalidRequestError, NotFoundError


async def create_banner(session: AsyncSession, *, content: BannerCreate, actor_id: str | None) -> Banner:
    starts = content.starts_at or utcnow()
    if content.ends_at is not None and content.ends_at <= starts:
        raise InvalidRequestError("The banner ends before it starts.", param="ends_at")
    row = Banner(
        message=content.message.strip(),
        level=content.level,
        starts_at=starts,
        ends_at=content.ends_at,
        created_by=actor_id,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        action=AuditAction.BANNER_CREATED,
        actor_id=actor_id,
        subject_type="banner",
        subject_id=row.id,
        data={"level": row.level},
    )
    return row


async def end_banner(session: AsyncSession, *, banner_id: str, actor_id: str | None) -> Banner:
    row = await session.get(Banner, banner_id)
    if row is None:
        raise NotFoundError(f"No banner {banner_id}.")
    now = utcnow()
    if row.ends_at is not None and row.ends_at <= now:
        raise ConflictError(f"Banner {banner_id} has already ended.")
    row.ends_at = now
    await record(
        session, action=AuditAction.BANNER_ENDED, actor_id=actor_id, subject_type="banner", subject_id=row.id
    )
    return row


async def active_banners(session: AsyncSession) -> Sequence[Banner]:
    now = utcnow()
    query = (
        select(Banner)
        .where(Banner.starts_at <= now, or_(Banner.ends_at.is_(None), Banner.ends_at > now))
        .order_by(Banner.created_at.desc())
    )
    return (await session.execute(query)).scalars().all()


async def list_banners(session: AsyncSession) -> Sequence[Banner]:
    return (await session.execute(select(Banner).order_by(Banner.created_at.desc()))).scalars().all()
