"""Install the shipped policy and modules into a database that has never had any."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.education.content import shipped_modules, shipped_policy
from limner.education.models import UsePolicyVersion
from limner.education.modules import create_module
from limner.education.policies import publish_policy


async def install_defaults(session: AsyncSession) -> bool:
    """In the caller's transaction; False (and nothing written) once any policy version exists, so
    content an admin removed never comes back."""
    if (await session.execute(select(UsePolicyVersion.version).limit(1))).first() is not None:
        return False
    await publish_policy(session, content=shipped_policy(), actor_id=None)
    for module in shipped_modules():
        await create_module(session, content=module, actor_id=None)
    return True


async def ensure_defaults(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """At start-up: several workers may race; the loser's insert of version 1 fails and is ignored."""
    try:
        async with sessions.begin() as session:
            return await install_defaults(session)
    except IntegrityError:
        return False
