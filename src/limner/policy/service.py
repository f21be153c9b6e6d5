"""Policy versions: save (validated), activate, list. The caller owns the transaction.

It re-exports `PromptPolicy`, the engine other domains check text against (templates on publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import NotFoundError
from limner.policy.document import parse_policy, policy_sha256
from limner.policy.engine import PromptPolicy as PromptPolicy
from limner.policy.models import PolicyVersion


def default_policy_text() -> str:
    return resources.files("limner.policy").joinpath("default_policy.yaml").read_text()


def default_version() -> str:
    return f"default-{policy_sha256(default_policy_text())[:8]}"


async def save_policy(
    session: AsyncSession, *, text: str, actor_id: str | None, activate: bool = True
) -> PolicyVersion:
    """Validate `text` (ConfigError with the line on failure), store it as a new version, and
    activate it. Recorded in the audit log with its hash."""
    document = parse_policy(text)
    row = PolicyVersion(name=document.name, document=text, sha256=policy_sha256(text), created_by=actor_id)
    session.add(row)
    await session.flush()
    if activate:
        await activate_policy(session, version_id=row.id, actor_id=actor_id)
    return row


async def activate_policy(session: AsyncSession, *, version_id: int, actor_id: str | None) -> PolicyVersion:
    row = await session.get(PolicyVersion, version_id)
    if row is None:
        raise NotFoundError(f"no policy version {version_id}")
    await session.execute(update(PolicyVersion).values(is_active=False))
    row.is_active = True
    await record(
        session,
        action=AuditAction.POLICY_ACTIVATED,
        actor_id=actor_id,
        subject_type="policy",
        subject_id=str(row.id),
        data={"version": row.version, "sha256": row.sha256},
    )
    return row


async def active_policy(session: AsyncSession) -> PolicyVersion | None:
    query = select(PolicyVersion).where(PolicyVersion.is_active.is_(True)).order_by(PolicyVersion.id.desc())
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def active_policy_id(session: AsyncSession) -> int | None:
    query = (
        select(PolicyVersion.id).where(PolicyVersion.is_active.is_(True)).order_by(PolicyVersion.id.desc())
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def list_policies(session: AsyncSession) -> Sequence[PolicyVersion]:
    return (await session.execute(select(PolicyVersion).order_by(PolicyVersion.id))).scalars().all()
