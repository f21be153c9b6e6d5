"""Alerts API: list and read (audit.read), acknowledge, assign or resolve (alerts.manage)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from limner.deps import PrincipalDep, SessionDep, require
from limner.identity.schemas import Permission
from limner.usage.alerts import service
from limner.usage.alerts.schemas import AlertPage, AlertRead, AlertStatus, AlertUpdate

router = APIRouter(prefix="/v1/limner/alerts")
READ = [Depends(require(Permission.AUDIT_READ))]
MANAGE = [Depends(require(Permission.ALERTS_MANAGE))]


@router.get("", dependencies=READ)
async def list_alerts(
    session: SessionDep, status: AlertStatus | None = None, rule: str | None = None, limit: int = 100
) -> AlertPage:
    rows = await service.list_alerts(session, status=status, rule=rule, limit=max(1, min(limit, 1000)))
    return AlertPage(data=[AlertRead.of(r) for r in rows])


@router.get("/{alert_id}", dependencies=READ)
async def get_alert(alert_id: str, session: SessionDep) -> AlertRead:
    return AlertRead.of(await service.get_alert(session, alert_id))


@router.patch("/{alert_id}", dependencies=MANAGE)
async def update_alert(
    alert_id: str, body: AlertUpdate, principal: PrincipalDep, session: SessionDep
) -> AlertRead:
    row = await service.update_alert(
        session,
        alert_id=alert_id,
        status=body.status,
        actor_id=principal.user_id,
        assignee_id=body.assignee_id,
    )
    return AlertRead.of(row)
