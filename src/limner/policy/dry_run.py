"""Policy dry-run: replay stored prompts through a candidate policy and count what would change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from limner.audit.service import record
from limner.components import Components
from limner.generation.service import iter_prompts
from limner.policy.compile import compile_policy
from limner.policy.decision import Decision, PolicyContext
from limner.policy.engine import PolicyEngine
from limner.policy.service import active_policy, default_policy_text, default_version
from limner.vault.service import existing_data_key


@dataclass
class DryRunReport:
    prompts: int = 0
    changed: int = 0
    transitions: Counter[str] = field(default_factory=Counter)  # "allow->block"
    categories_added: Counter[str] = field(default_factory=Counter)
    categories_removed: Counter[str] = field(default_factory=Counter)

    def add(self, current: Decision, candidate: Decision) -> None:
        self.prompts += 1
        before, after = set(current.categories), set(candidate.categories)
        if current.action != candidate.action or before != after:
            self.changed += 1
        self.transitions[f"{current.action.value}->{candidate.action.value}"] += 1
        self.categories_added.update(after - before)
        self.categories_removed.update(before - after)

    def as_dict(self) -> dict[str, object]:
        return {
            "prompts": self.prompts,
            "changed": self.changed,
            "transitions": dict(self.transitions),
            "categories_added": dict(self.categories_added),
            "categories_removed": dict(self.categories_removed),
        }

    def summary(self) -> str:
        lines = [f"{self.prompts} stored prompts replayed; {self.changed} would be decided differently"]
        lines += [f"  {k}: {v}" for k, v in sorted(self.transitions.items())]
        lines += [f"  + {k}: {v}" for k, v in sorted(self.categories_added.items())]
        lines += [f"  - {k}: {v}" for k, v in sorted(self.categories_removed.items())]
        return "\n".join(lines)


async def replay(c: Components, *, candidate_text: str, since: datetime) -> DryRunReport:
    """Prompts are decrypted in memory only; one audit event records that the replay happened."""
    candidate = compile_policy(candidate_text, version="candidate")
    current = await _current_engine(c)
    report = DryRunReport()
    async with c.sessions() as session:

        async def key_for(owner_id: str) -> bytes | None:
            return await existing_data_key(session, c.key_provider, owner_id=owner_id)

        async for _row, prompt in iter_prompts(session, since=since, data_key_for_owner=key_for):
            context = PolicyContext(stage="prompt")
            report.add(
                await current.decide_async(prompt, context), await candidate.decide_async(prompt, context)
            )
    async with c.sessions.begin() as session:
        await record(
            session,
            action="policy.dry_run",
            data={"prompts_decrypted": report.prompts, "since": since.isoformat()},
        )
    return report


async def _current_engine(c: Components) -> PolicyEngine:
    async with c.sessions() as session:
        row = await active_policy(session)
    if row is None:
        return compile_policy(default_policy_text(), version=default_version())
    return compile_policy(row.document, version=row.version)
