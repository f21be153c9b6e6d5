"""Acceptable-use policy versions: publish (a new version each time), read, acknowledge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import take_turn
from limner.education.models import PolicyAcknowledgement, UsePolicyVersion
from limner.education.schemas import PolicyCreate
from limner.errors import ConflictError, NotFoundError

_PUBLISH_LOCK = 7_321_005  # advisory lock id: one publisher numbers the next version at a time


async def current_policy(session: AsyncSession) -> UsePolicyVersion | None:
    query = select(UsePolicyVersion).order_by(UsePolicyVersion.version.desc()).limit(1)
    return (await session.execute(query)).scalar()


async def required_version(session: AsyncSession) -> int | None:
    """The oldest version an acknowledgement may be of: the newest one that asks again."""
    query = select(func.max(UsePolicyVersion.version)).where(UsePolicyVersion.asks_again.is_(True))
    return (await session.execute(query)).scalar()


async def list_policies(session: AsyncSession) -> Sequence[UsePolicyVersion]:
    query = select(UsePolicyVersion).order_by(UsePolicyVersion.version.desc())
    return (await session.execute(query)).scalars().all()


async def get_policy(session: AsyncSession, version: int) -> UsePolicyVersion:
    row = await session.get(UsePolicyVersion, version)
    if row is None:
        raise NotFoundError(f"No acceptable-use policy version {version}.", param="version")
    return row


async def publish_policy(
    session: AsyncSession, *, content: PolicyCreate, actor_id: str | None
) -> UsePolicyVersion:
    await take_turn(session, _PUBLISH_LOCK)  # two publishers must not both take the next number
    latest = await current_policy(session)
    row = UsePolicyVersion(
        version=(latest.version + 1) if latest else 1,
        title=content.title.strip(),
        body=content.body,
        asks_again=content.asks_again if latest else True,
        created_by=actor_id,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        action=AuditAction.USE_POLICY_PUBLISHED,
        actor_id=actor_id,
        subject_type="use_policy",
        subject_id=str(row.version),
        data={"version": row.version, "asks_again": row.asks_again},
    )
    return row


async def acknowledge(
    session: AsyncSession, *, user_id: str, version: int, source: str = "self", actor_id: str | None
) -> PolicyAcknowledgement:
    """Only the current version can be acknowledged: reading an old one does not count."""
    latest = await current_policy(session)
    if latest is None or latest.version != version:
        current = latest.version if latest else None
        raise ConflictError(
            f"Version {version} is not the current acceptable-use policy (current: {current}).",
            param="version",
        )
    row = PolicyAcknowledgement(user_id=user_id, version=version, source=source)
    session.add(row)
    await record(
        session,
        action=AuditAction.USE_POLICY_ACKNOWLEDGED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user_id,
        data={"version": version, "source": source},
    )
    return row


async def latest_acknowledgement(
    session: AsyncSession, user_id: str, *, since: datetime | None
) -> PolicyAcknowledgement | None:
    query = select(PolicyAcknowledgement).where(PolicyAcknowledgement.user_id == user_id)
    if since is not None:
        query = query.where(PolicyAcknowledgement.acknowledged_at >= since)
    query = query.order_by(PolicyAcknowledgement.version.desc()).limit(1)
    return (await session.execute(query)).scalar()
