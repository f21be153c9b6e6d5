"""The prompt replay behind a policy dry-run: stored prompts are decrypted in memory only and run
through the current and a candidate policy; one audit event records that the replay happened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.db import reading
from limner.generation.service import iter_prompts
from limner.policy.dry_run import DryRunReport, compare_policies, current_engine
from limner.vault.service import existing_data_key


async def replay_prompts(c: Components, *, candidate_text: str, since: datetime) -> DryRunReport:
    async with reading(c.sessions) as session:
        current = await current_engine(session)
    async with reading(c.sessions) as session:

        async def key_for(owner_id: str) -> bytes | None:
            return await existing_data_key(session, c.key_provider, owner_id=owner_id)

        async def prompts() -> AsyncIterator[str]:
            async for _row, prompt in iter_prompts(session, since=since, data_key_for_owner=key_for):
                yield prompt

        report = await compare_policies(current, candidate_text, prompts())
    async with c.sessions.begin() as session:
        await record(
            session,
            action=AuditAction.POLICY_DRY_RUN,
            data={"prompts_decrypted": report.prompts, "since": since.isoformat()},
        )
    return report
