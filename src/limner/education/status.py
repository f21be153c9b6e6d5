"""Where a person stands: the current policy acknowledged, the required modules passed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.education.config import EducationSettings
from limner.education.models import PolicyAcknowledgement
from limner.education.modules import list_modules, module_status, records_of
from limner.education.policies import current_policy, latest_acknowledgement, required_version
from limner.education.schemas import ModuleStatus, TrainingStatus

StatusWord = Literal["not_started", "failed", "passed", "expired"]


def renewal_cutoff(cfg: EducationSettings, now: datetime | None = None) -> datetime | None:
    """Acknowledgements and passes older than this no longer count (None: they never expire)."""
    return (now or utcnow()) - timedelta(days=cfg.renew_days) if cfg.renew_days else None


def is_acknowledged(ack: PolicyAcknowledgement | None, needed: int | None) -> bool:
    return needed is None or (ack is not None and ack.version >= needed)


async def training_status(
    session: AsyncSession, *, user_id: str, is_service: bool, cfg: EducationSettings, training_url: str
) -> TrainingStatus:
    status, _ = await standing(
        session, user_id=user_id, is_service=is_service, cfg=cfg, training_url=training_url
    )
    return status


async def standing(
    session: AsyncSession, *, user_id: str, is_service: bool, cfg: EducationSettings, training_url: str
) -> tuple[TrainingStatus, datetime | None]:
    """The status, and when a complete one lapses (None: never, or not complete)."""
    since = renewal_cutoff(cfg)
    needed = await required_version(session)
    ack = await latest_acknowledgement(session, user_id, since=since)
    records = await records_of(session, [user_id])
    modules = []
    for module in await list_modules(session):
        rec = records.get((user_id, module.id))
        word = cast(StatusWord, module_status(module, rec, since))
        passed_at = rec.newest_pass.completed_at if rec and rec.newest_pass and word == "passed" else None
        modules.append(
            ModuleStatus(
                id=module.id,
                title=module.title,
                is_required=module.is_required,
                status=word,
                passed_at=passed_at,
            )
        )
    acknowledged = is_acknowledged(ack, needed)
    complete = acknowledged and all(m.status == "passed" for m in modules if m.is_required)
    policy = await current_policy(session)
    status = TrainingStatus(
        required=cfg.required,
        exempt=is_service,
        complete=complete,
        policy_version=policy.version if policy else None,
        policy_acknowledged=acknowledged,
        acknowledged_version=ack.version if ack else None,
        modules=modules,
        training_url=training_url,
    )
    counted = [m.passed_at for m in modules if m.is_required and m.passed_at is not None]
    if ack is not None and needed is not None:
        counted.append(ack.acknowledged_at)
    renew_days = cfg.renew_days
    if not complete or renew_days is None or not counted:
        return status, None
    return status, min(counted) + timedelta(days=renew_days)
