"""The training gate in front of generation, for the Images API and the workspace alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.db import reading
from limner.education.gate import current_version
from limner.education.schemas import TrainingStatus
from limner.education.status import standing, training_status
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
    """The gate inside the caller's (read) transaction, so a request can share one with other reads.
    The counter is read before the status: a change committed in between is cached under the old
    counter value, which the next request no longer matches."""
    if is_exempt(c, principal):
        return
    version = await current_version(session)
    complete = c.training_gates.get(principal.user_id, version=version)
    if complete is None:
        status, lapses_at = await standing(
            session,
            user_id=principal.user_id,
            is_service=False,
            cfg=c.settings.education,
            training_url=training_url(c),
        )
        complete = status.complete
        c.training_gates.put(principal.user_id, version=version, complete=complete, lapses_at=lapses_at)
    if not complete:
        url = training_url(c)
        raise TrainingRequired(
            "Before you generate images, acknowledge the acceptable-use policy and pass the required "
            f"training at {url}",
            training_url=url,
        )
