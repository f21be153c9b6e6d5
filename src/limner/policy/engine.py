"""The prompt policy contract the flow calls, the engine that implements it, and the no-check engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from limner.errors import ConfigError
from limner.imaging.actions import Action
from limner.policy.coaching import explain
from limner.policy.detectors.base import AsyncDetector, Detector
from limner.policy.document import PolicyDocument
from limner.policy.rules import overall, redact, rule_findings, rules_for
from limner.policy.schemas import Decision, Finding, PolicyContext, RuledFinding


class PromptPolicy(Protocol):
    @property
    def version(self) -> str:
        """The version id of the policy in force (recorded with every decision)."""
        ...

    async def prepare(self) -> None:
        """Load whatever evaluation needs (detector data); the server calls it once at start-up."""
        ...

    async def aclose(self) -> None:
        """Release connections of remote detectors."""
        ...

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        """Decide what happens to `text`. Never log or persist the text; the Decision carries
        offsets, categories and masked excerpts only. Raise nothing for ordinary input."""
        ...


class AllowAllPolicy:
    """Runs no checks: every prompt is allowed. Used when `policy.enabled` is false."""

    version = "none"

    async def prepare(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        return Decision.allow(self.version)


class PolicyEngine:
    """One compiled policy version: its detectors and rules. Safe to share. Local detectors are
    pure; remote ones (vendor checks) are async, so only `decide_async` can run them."""

    def __init__(
        self, document: PolicyDocument, detectors: Sequence[Detector | AsyncDetector], *, version: str
    ) -> None:
        self.document = document
        self.detectors = list(detectors)
        self.version = version
        self._local: list[Detector] = []
        self._remote: list[AsyncDetector] = []
        for detector in self.detectors:
            if isinstance(detector, AsyncDetector):
                self._remote.append(detector)
            else:
                self._local.append(detector)
        self._allow = frozenset(term.casefold().strip() for term in document.allow_list)

    @property
    def is_remote(self) -> bool:
        """True when a detector calls a vendor: then only `decide_async` works."""
        return any(not _runs_inline(d) for d in self._remote)

    async def prepare(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        return await self.decide_async(text, context)

    def findings(self, text: str) -> list[Finding]:
        """Every detector's findings on the calling thread (the sync path: benchmarks, tests); the
        model tier runs inline here, vendor checks cannot (they refuse)."""
        self._refuse_remote()
        inline = [f for d in self._remote if _runs_inline(d) for f in d.detect(text)]  # type: ignore[attr-defined]
        return (
            _prefer_real_people(self._local_findings(text) + inline) if inline else self._local_findings(text)
        )

    async def findings_async(self, text: str) -> list[Finding]:
        """Every detector's findings: the vendor checks and the model tier run concurrently."""
        found, _ = await self._timed_findings(text)
        return found

    async def _timed_findings(self, text: str) -> tuple[list[Finding], float]:
        """The findings, and the milliseconds the request waited for the async (model tier, vendor)
        detectors after the local ones were done: they start first and run beside them."""
        if not self._remote:
            return self._local_findings(text), 0.0
        remote = asyncio.gather(*(d.detect_async(text) for d in self._remote))
        await asyncio.sleep(0)  # lets each start (submit to its worker thread or send its request)
        try:
            local = self._local_findings(text)
        except BaseException:
            remote.cancel()
            raise
        waited = time.perf_counter()
        groups = await remote
        model_ms = (time.perf_counter() - waited) * 1000
        found = local + [finding for group in groups for finding in group]
        return _prefer_real_people(found), model_ms

    def decide(self, text: str, context: PolicyContext) -> Decision:
        return self._decision(text, context, self.findings(text))

    async def decide_async(self, text: str, context: PolicyContext) -> Decision:
        found, model_ms = await self._timed_findings(text)
        return replace(self._decision(text, context, found), model_ms=round(model_ms, 3))

    async def aclose(self) -> None:
        """Release the remote detectors' connection pools (they reopen on next use)."""
        for detector in self._remote:
            await detector.aclose()

    def _local_findings(self, text: str) -> list[Finding]:
        found = [finding for detector in self._local for finding in detector.detect(text)]
        return _prefer_real_people(found)

    def _refuse_remote(self) -> None:
        if self.is_remote:
            names = ", ".join(d.name for d in self._remote if not _runs_inline(d))
            raise ConfigError(
                f"policy {self.version} uses remote detectors ({names}); they only run asynchronously "
                "(PolicyEngine.decide_async / evaluate), not in the synchronous decide()"
            )

    def _decision(self, text: str, context: PolicyContext, found: list[Finding]) -> Decision:
        rules = rules_for(self.document, context)
        ruled = rule_findings(found, rules, text, self._allow)
        action = overall(ruled)
        categories = _categories(ruled, action)
        explanation, suggestion = explain(action, categories)
        return Decision(
            action=action,
            findings=tuple(ruled),
            policy_version=self.version,
            explanation=explanation,
            suggestion=suggestion,
            redacted_text=redact(text, ruled) if action is Action.REDACT else None,
            categories=tuple(sorted({r.finding.category for r in ruled})),
        )


def _runs_inline(detector: AsyncDetector) -> bool:
    """An async detector that is local work offloaded to a thread (the harm model tier) also has the
    synchronous `detect`; a vendor check has not."""
    return callable(getattr(detector, "detect", None))


def _categories(ruled: list[RuledFinding], action: Action) -> list[str]:
    """The categories that decided the outcome, for the user's explanation."""
    return sorted({r.finding.category for r in ruled if r.action is action})


_NAMED_BY_POLICY = ("person.", "ip.artist_style", "ip.character")


def _prefer_real_people(found: list[Finding]) -> list[Finding]:
    """A name the people or ip detector recognised (a public figure, a historical person, an artist's
    style, a character) is that finding, not also pii.person."""
    people = [f for f in found if f.category.startswith(_NAMED_BY_POLICY)]
    return [f for f in found if not (f.category == "pii.person" and any(_overlap(f, p) for p in people))]


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end
