"""Alert schemas: what the API, the CLI and notifiers show of an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from limner.usage.alerts.models import Alert

AlertStatus = Literal["open", "acknowledged", "resolved"]


class PrincipalRef(BaseModel):
    type: str
    id: str


class AlertRead(BaseModel):
    id: str
    rule: str
    severity: str
    principal: PrincipalRef
    evidence: list[str] = Field(description="Audit event ids")
    detail: dict[str, Any]
    status: str
    assignee_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Alert) -> AlertRead:
        return cls(
            id=row.id,
            rule=row.rule,
            severity=row.severity,
            principal=PrincipalRef(type=row.principal_type, id=row.principal_id),
            evidence=list(row.evidence),
            detail=dict(row.detail),
            status=row.status,
            assignee_id=row.assignee_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class AlertPage(BaseModel):
    data: list[AlertRead]


class AlertUpdate(BaseModel):
    model_config = {"extra": "forbid"}

    status: Literal["acknowledged", "resolved"]
    assignee_id: str | None = Field(default=None, description="Default: the caller")
