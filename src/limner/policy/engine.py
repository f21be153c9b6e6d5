"""The prompt policy contract the generation flow calls, and the no-check engine."""

from __future__ import annotations

from typing import Protocol

from limner.policy.decision import Decision, PolicyContext


class PromptPolicy(Protocol):
    @property
    def version(self) -> str:
        """The version id of the policy in force (recorded with every decision)."""
        ...

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        """Decide what happens to `text`. Never log or persist the text; the Decision carries
        offsets, categories and masked excerpts only. Raise nothing for ordinary input."""
        ...


class AllowAllPolicy:
    """Runs no checks: every prompt is allowed. Used when `policy.enabled` is false."""

    version = "none"

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        return Decision.allow(self.version)
