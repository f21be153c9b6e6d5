"""Reveal a stored prompt to an authorised caller; every reveal is an audit event."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import NotFoundError, PermissionDeniedError
from limner.identity.schemas import Permission, Principal
from limner.imaging.records import Generation
from limner.vault.service import KeyProvider, existing_data_key, open_value

Field = Literal["prompt", "revised"]


async def reveal_prompt(
    session: AsyncSession,
    provider: KeyProvider,
    *,
    generation_id: str,
    actor_id: str | None,
    reason: str,
    field: Field = "prompt",
    request_id: str | None = None,
) -> str | None:
    """Decrypt a generation's prompt (or revised prompt) and record `prompt.revealed` in the
    caller's transaction. None when it was purged or its owner's key was shredded. The caller
    checks authorisation (see `reveal_for`)."""
    row = await session.get(Generation, generation_id)
    if row is None:
        raise NotFoundError("No such generation.")
    sealed = row.prompt_sealed if field == "prompt" else row.revised_prompt_sealed
    key = await existing_data_key(session, provider, owner_id=row.owner_id) if sealed else None
    if sealed is None or key is None:
        return None
    await record(
        session,
        action=AuditAction.PROMPT_REVEALED,
        actor_id=actor_id,
        subject_type="generation",
        subject_id=row.id,
        request_id=request_id,
        data={"reason": reason, "field": field, "prompt_hmac": row.prompt_hmac},
    )
    value_id = f"{row.id}:{field}"
    return open_value(key, owner_id=row.owner_id, value_id=value_id, sealed=sealed).decode()


async def reveal_for(
    session: AsyncSession,
    provider: KeyProvider,
    principal: Principal,
    *,
    generation_id: str,
    reason: str,
    field: Field = "prompt",
    request_id: str | None = None,
) -> str | None:
    """`reveal_prompt` for a signed-in caller: the owner, or anyone with prompts.reveal."""
    row = await session.get(Generation, generation_id)
    if row is None:
        raise NotFoundError("No such generation.")
    if row.owner_id != principal.user_id and not principal.can(Permission.PROMPTS_REVEAL):
        raise PermissionDeniedError(f"You lack the permission '{Permission.PROMPTS_REVEAL}'.")
    return await reveal_prompt(
        session,
        provider,
        generation_id=generation_id,
        actor_id=principal.user_id,
        reason=reason,
        field=field,
        request_id=request_id,
    )
