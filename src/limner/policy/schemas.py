"""The policy engine's output: plain data shared by every adapter (API, CLI, web)."""

from __future__ import annotations

from dataclasses import dataclass, field

from limner.imaging.actions import Action


@dataclass(frozen=True, slots=True)
class Finding:
    """One detector hit on the original text: [start, end) are offsets into the text as sent."""

    detector: str
    category: str  # dotted and stable: pii.email, secret.aws_key, harm.sexual, person.public_figure
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class RuledFinding:
    """A finding with the action the policy gives it and an excerpt safe to show (masked)."""

    finding: Finding
    action: Action
    excerpt: str


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    findings: tuple[RuledFinding, ...] = ()
    policy_version: str = "none"
    explanation: str = ""
    suggestion: str | None = None
    redacted_text: str | None = None  # set when action is REDACT: the text that goes upstream
    categories: tuple[str, ...] = field(default=())
    model_ms: float = 0.0  # time awaiting model-tier and vendor detectors (reported apart from overhead)

    @classmethod
    def allow(cls, policy_version: str = "none") -> Decision:
        return cls(action=Action.ALLOW, policy_version=policy_version)


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """Who is asking: rules may differ per role and group."""

    roles: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    stage: str = "prompt"  # prompt | revised_prompt | edit_prompt
