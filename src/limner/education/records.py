"""Completions recorded from a company's learning system (CLI and admin API), each one audited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.education.modules import get_module, list_modules, record_pass
from limner.education.policies import acknowledge, current_policy
from limner.education.schemas import RecordResult
from limner.errors import InvalidRequestError
from limner.identity.accounts.service import require_user


async def record_completion(
    session: AsyncSession, *, email: str, module_id: str | None, everything: bool, actor_id: str | None
) -> RecordResult:
    """One module, or (`everything`) every required module plus the current policy's acknowledgement."""
    user = await require_user(session, email=email)
    if user.kind != "person":
        raise InvalidRequestError("Service accounts need no training.", param="email")
    if everything:
        modules = [m for m in await list_modules(session) if m.is_required]
    elif module_id is not None:
        modules = [await get_module(session, module_id)]
    else:
        raise InvalidRequestError("Name a module or ask for all of them.", param="module_id")
    for module in modules:
        await record_pass(session, user_id=user.id, module=module, actor_id=actor_id)
    version = None
    policy = await current_policy(session)
    if everything and policy is not None:
        await acknowledge(
            session, user_id=user.id, version=policy.version, source="recorded", actor_id=actor_id
        )
        version = policy.version
    return RecordResult(email=user.email, modules=[m.id for m in modules], policy_version=version)
