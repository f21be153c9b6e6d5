"""Alert service: raise (deduplicated), list, acknowledge, resolve. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import new_id, utcnow
from limner.errors import ConflictError, NotFoundError
from limner.usage.alerts.models import Alert
from limner.usage.alerts.rules import Hit, Principal

_NEXT = {"open": {"acknowledged", "resolved"}, "acknowledged": {"resolved"}, "resolved": set[str]()}


def dedupe_key(hit: Hit) -> str:
    return f"{hit.rule}:{hit.principal[0]}:{hit.principal[1]}:{hit.evidence[0].seq}"


async def raise_alert(session: AsyncSession, hit: Hit, *, notify: bool) -> Alert | None:
    """Store the alert and its `alert.raised` audit event; None when this burst already raised one
    (here or on another replica: the dedupe key is unique)."""
    now = utcnow()
    values: dict[str, Any] = {
        "id": new_id(),
        "dedupe_key": dedupe_key(hit),
        "rule": hit.rule,
        "severity": hit.severity,
        "principal_type": hit.principal[0],
        "principal_id": hit.principal[1],
        "evidence": [e.id for e in hit.evidence],
        "last_seq": hit.evidence[-1].seq,
        "detail": hit.detail,
        "status": "open",
        "created_at": now,
        "updated_at": now,
        "delivered": [],
        "attempts": 0,
        "is_notify_done": not notify,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Alert).values(**values).on_conflict_do_nothing().returning(Alert.id)
    if (await session.execute(statement)).scalar_one_or_none() is None:
        return None
    await record(
        session,
        action=AuditAction.ALERT_RAISED,
        subject_type=hit.principal[0],
        subject_id=hit.principal[1],
        data={
            "alert_id": values["id"],
            "rule": hit.rule,
            "severity": hit.severity,
            "evidence": values["evidence"],
            "detail": hit.detail,
        },
    )
    return await get_alert(session, values["id"])


async def covered(session: AsyncSession, rule: str) -> dict[tuple[str, Principal], int]:
    """Per principal, the newest event an alert of `rule` already covers."""
    query = (
        select(Alert.principal_type, Alert.principal_id, func.max(Alert.last_seq))
        .where(Alert.rule == rule)
        .group_by(Alert.principal_type, Alert.principal_id)
    )
    return {(rule, (t, i)): int(seq) for t, i, seq in await session.execute(query)}


async def get_alert(session: AsyncSession, alert_id: str) -> Alert:
    row = await session.get(Alert, alert_id)
    if row is None:
        raise NotFoundError(f"No alert with id '{alert_id}'.", param="alert_id")
    return row


async def list_alerts(
    session: AsyncSession, *, status: str | None = None, rule: str | None = None, limit: int = 100
) -> Sequence[Alert]:
    query = select(Alert).order_by(Alert.created_at.desc(), Alert.id).limit(limit)
    if status:
        query = query.where(Alert.status == status)
    if rule:
        query = query.where(Alert.rule == rule)
    return (await session.scalars(query)).all()


async def update_alert(
    session: AsyncSession, *, alert_id: str, status: str, actor_id: str | None, assignee_id: str | None = None
) -> Alert:
    """Acknowledge (assigning it, to the caller by default) or resolve an alert; audited."""
    row = await get_alert(session, alert_id)
    if status not in _NEXT[row.status]:
        raise ConflictError(
            f"An alert that is {row.status} cannot become {status}.", code="invalid_transition"
        )
    row.status, row.updated_at = status, utcnow()
    if status == "acknowledged" or assignee_id:
        row.assignee_id = assignee_id or actor_id
    action = AuditAction.ALERT_ACKNOWLEDGED if status == "acknowledged" else AuditAction.ALERT_RESOLVED
    await record(
        session,
        action=action,
        actor_id=actor_id,
        subject_type="alert",
        subject_id=row.id,
        data={"rule": row.rule, "assignee_id": row.assignee_id},
    )
    return row


async def forget_alert_principal(session: AsyncSession, *, user_id: str) -> int:
    """Erasure: alerts about the person keep their rule, counts and evidence ids, not the person."""
    result = await session.execute(
        update(Alert)
        .where(Alert.principal_type == "user", Alert.principal_id == user_id)
        .values(principal_id="erased")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def counts_by_rule(session: AsyncSession) -> dict[tuple[str, str], int]:
    query = select(Alert.rule, Alert.status, func.count()).group_by(Alert.rule, Alert.status)
    return {(rule, status): int(n) for rule, status, n in await session.execute(query)}
