"""Legal holds: add, list, release (each audited), and resolve the active ones for purge and erasure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError
from limner.identity.accounts.models import Group, GroupMember
from limner.imaging.records import Generation
from limner.privacy.models import LegalHold
from limner.privacy.rules import Hold, in_range


async def add_hold(
    session: AsyncSession,
    *,
    scope: str,
    reason: str,
    actor_id: str | None,
    user_id: str | None = None,
    group_name: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> LegalHold:
    _check_scope(scope, user_id, group_name, starts_at, ends_at)
    if not reason.strip():
        raise InvalidRequestError("a legal hold needs a reason (a case or matter reference)", param="reason")
    if group_name is not None and await _group_id(session, group_name) is None:
        raise NotFoundError(f"no group named {group_name}")
    hold = LegalHold(
        scope=scope,
        user_id=user_id,
        group_name=group_name,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        created_by=actor_id,
    )
    session.add(hold)
    await session.flush()
    await _audit(session, AuditAction.HOLD_ADDED, hold, actor_id)
    return hold


def _check_scope(
    scope: str, user_id: str | None, group: str | None, starts: datetime | None, ends: datetime | None
) -> None:
    valid = {
        "user": user_id is not None and group is None,
        "group": group is not None and user_id is None,
        "range": user_id is None and group is None and (starts is not None or ends is not None),
    }
    if not valid.get(scope, False):
        raise InvalidRequestError("a hold covers exactly one user, one group, or a time range", param="scope")
    if starts is not None and ends is not None and ends < starts:
        raise InvalidRequestError("the hold ends before it starts", param="ends_at")


async def release_hold(session: AsyncSession, *, hold_id: str, actor_id: str | None) -> LegalHold:
    hold = await session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFoundError(f"no legal hold {hold_id}")
    if hold.released_at is not None:
        raise ConflictError(f"legal hold {hold_id} was already released")
    hold.released_at, hold.released_by = utcnow(), actor_id
    await _audit(session, AuditAction.HOLD_RELEASED, hold, actor_id)
    return hold


async def list_holds(session: AsyncSession, *, include_released: bool = False) -> Sequence[LegalHold]:
    query = select(LegalHold).order_by(LegalHold.created_at)
    if not include_released:
        query = query.where(LegalHold.released_at.is_(None))
    return (await session.execute(query)).scalars().all()


async def active_holds(session: AsyncSession) -> list[Hold]:
    """Active holds with groups resolved to their current members."""
    out = []
    for row in await list_holds(session):
        members = frozenset([row.user_id] if row.user_id else [])
        if row.group_name is not None:
            members = await _members(session, row.group_name)
        out.append(Hold(row.id, row.scope, members, row.starts_at, row.ends_at))
    return out


async def holds_on_user(session: AsyncSession, user_id: str) -> list[Hold]:
    """Holds that forbid erasing `user_id`: on them, their group, or a range holding their data."""
    found = []
    for hold in await active_holds(session):
        held = (
            user_id in hold.user_ids if hold.scope != "range" else await _has_data_in(session, user_id, hold)
        )
        if held:
            found.append(hold)
    return found


async def _has_data_in(session: AsyncSession, user_id: str, hold: Hold) -> bool:
    query = select(Generation.created_at).where(Generation.owner_id == user_id)
    return any(in_range(at, hold.starts_at, hold.ends_at) for at in (await session.execute(query)).scalars())


async def _group_id(session: AsyncSession, name: str) -> str | None:
    return (await session.execute(select(Group.id).where(Group.name == name))).scalar()


async def _members(session: AsyncSession, group_name: str) -> frozenset[str]:
    query = (
        select(GroupMember.user_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.name == group_name)
    )
    return frozenset((await session.execute(query)).scalars())


async def _audit(session: AsyncSession, action: AuditAction, hold: LegalHold, actor_id: str | None) -> None:
    # The reason may name a matter or a person: the log keeps its hash only.
    await record(
        session,
        action=action,
        actor_id=actor_id,
        subject_type="user" if hold.scope == "user" else "legal_hold",
        subject_id=hold.user_id if hold.scope == "user" else hold.id,
        data={
            "hold_id": hold.id,
            "scope": hold.scope,
            "group_sha256": hashlib.sha256(hold.group_name.encode()).hexdigest() if hold.group_name else None,
            "starts_at": hold.starts_at.isoformat() if hold.starts_at else None,
            "ends_at": hold.ends_at.isoformat() if hold.ends_at else None,
            "reason_sha256": hashlib.sha256(hold.reason.encode()).hexdigest(),
        },
    )


def hold_json(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "scope": hold.scope,
        "user_id": hold.user_id,
        "group": hold.group_name,
        "starts_at": hold.starts_at.isoformat() if hold.starts_at else None,
        "ends_at": hold.ends_at.isoformat() if hold.ends_at else None,
        "reason": hold.reason,
        "created_at": hold.created_at.isoformat(),
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
    }
