"""Policy dry-run: run texts through the current and a candidate policy and count what would change.
Pure policy evaluation: the prompts come from the caller (the replay flow decrypts stored prompts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from limner.policy.compile import compile_policy
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import Decision, PolicyContext
from limner.policy.service import active_policy, default_policy_text, default_version


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


async def compare_policies(
    current: PolicyEngine, candidate_text: str, prompts: AsyncIterable[str]
) -> DryRunReport:
    """Decide each prompt under `current` and under the candidate document; nothing is stored."""
    candidate = compile_policy(candidate_text, version="candidate")
    report = DryRunReport()
    context = PolicyContext(stage="prompt")
    async for prompt in prompts:
        report.add(await current.decide_async(prompt, context), await candidate.decide_async(prompt, context))
    return report


async def current_engine(session: AsyncSession) -> PolicyEngine:
    """The active policy compiled (or the default one when none was published)."""
    row = await active_policy(session)
    if row is None:
        return compile_policy(default_policy_text(), version=default_version())
    return compile_policy(row.document, version=row.version)
