"""The training gate in front of generation, for the Images API and the workspace alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.education.schemas import TrainingStatus
from limner.education.status import training_status
from limner.errors import TrainingRequired
from limner.identity.permissions import Principal
from limner.settings import Settings


def training_url(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + settings.education.training_path


def is_exempt(settings: Settings, principal: Principal) -> bool:
    """Service accounts are programs, not people: there is nobody to train."""
    return not settings.education.required or principal.kind == "service"


async def status_in(session: AsyncSession, settings: Settings, principal: Principal) -> TrainingStatus:
    return await training_status(
        session,
        user_id=principal.user_id,
        is_service=principal.kind == "service",
        cfg=settings.education,
        training_url=training_url(settings),
    )


async def status_for(c: Components, principal: Principal) -> TrainingStatus:
    async with c.sessions() as session:
        return await status_in(session, c.settings, principal)


async def require_training(c: Components, principal: Principal) -> None:
    """Raise TrainingRequired (403 training_required, with the link) for an untrained person."""
    if is_exempt(c.settings, principal):
        return
    status = await status_for(c, principal)
    if not status.complete:
        raise TrainingRequired(
            "Before you generate images, acknowledge the acceptable-use policy and pass the required "
            f"training at {status.training_url}",
            training_url=status.training_url,
        )
