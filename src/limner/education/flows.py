"""The training gate in front of generation, for the Images API and the workspace alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.db import reading
from limner.education.schemas import TrainingStatus
from limner.education.status import training_status
from limner.errors import TrainingRequired
from limner.identity.schemas import Principal


def training_url(c: Components) -> str:
    return c.settings.public_url.rstrip("/") + c.settings.education.training_path


def is_exempt(c: Components, principal: Principal) -> bool:
    """Service accounts are programs, not people: there is nobody to train."""
    return not c.settings.education.required or principal.kind == "service"


async def status_in(session: AsyncSession, c: Components, principal: Principal) -> TrainingStatus:
    return await training_status(
        session,
        user_id=principal.user_id,
        is_service=principal.kind == "service",
        cfg=c.settings.education,
        training_url=training_url(c),
    )


async def status_for(c: Components, principal: Principal) -> TrainingStatus:
    async with reading(c.sessions) as session:
        return await status_in(session, c, principal)


async def require_training(c: Components, principal: Principal) -> None:
    """Raise TrainingRequired (403 training_required, with the link) for an untrained person."""
    async with reading(c.sessions) as session:
        await check_training(session, c, principal)


async def check_training(session: AsyncSession, c: Components, principal: Principal) -> None:
    """The gate inside the caller's (read) transaction, so a request can share one with other reads."""
    if is_exempt(c, principal):
        return
    status = await status_in(session, c, principal)
    if not status.complete:
        raise TrainingRequired(
            "Before you generate images, acknowledge the acceptable-use policy and pass the required "
            f"training at {status.training_url}",
            training_url=status.training_url,
        )
