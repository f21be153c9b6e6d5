"""What the remote harm detectors share: fail-closed handling, score thresholds, whole-prompt findings."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field, field_validator

from limner.policy.detectors._remote_http import RemoteClient, RemoteOptions
from limner.policy.detectors.harm import refuse_unknown_categories
from limner.policy.schemas import Finding
from limner.upstream import Sleep

logger = logging.getLogger("limner.policy.remote")

# Returned when a vendor cannot answer; the default policy's `harm.*: block` rule blocks it.
PROVIDER_ERROR = "harm.provider_error"
OnError = Literal["block", "allow"]


class RemoteCheckConfig(BaseModel):
    """Options every remote harm detector has."""

    name: str = Field(default="remote_check", description="Detector name in findings and logs")

    on_error: OnError = Field(
        default="block",
        description="On a vendor failure: block (a harm.provider_error finding, score 1) or allow (none)",
    )
    min_score: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Scores below this give no finding; the policy's rule thresholds then apply to the rest",
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Per-category replacement of min_score, e.g. harm.sexual: 0.6"
    )
    http: RemoteOptions = Field(default_factory=RemoteOptions, description="Timeouts and retries")

    @field_validator("thresholds")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        refuse_unknown_categories(value)
        if any(not 0 <= v <= 1 for v in value.values()):
            raise ValueError("thresholds must be between 0 and 1")
        return value


def scored_findings(
    detector: str, text: str, scores: dict[str, float], config: RemoteCheckConfig
) -> list[Finding]:
    """One whole-prompt finding per category that reaches its threshold. The threshold matters:
    harm.sexual_minors findings block whatever their score, so tiny vendor scores must not pass."""
    return [
        whole_text(detector, category, text, score)
        for category, score in sorted(scores.items())
        if score >= config.thresholds.get(category, config.min_score) and score > 0
    ]


def whole_text(detector: str, category: str, text: str, score: float) -> Finding:
    """Remote checks judge the prompt as a whole, so their findings span all of it."""
    return Finding(detector=detector, category=category, start=0, end=len(text), score=score)


async def fail_safe(
    detector: str, text: str, on_error: OnError, check: Callable[[], Awaitable[list[Finding]]]
) -> list[Finding]:
    """Run `check`; on any failure return a harm.provider_error finding (block, the default) or
    nothing (allow). Type and code are logged, never the message: it might quote the prompt."""
    if not text.strip():
        return []
    try:
        return await check()
    except Exception as exc:  # any failure, not only UpstreamError, must reach on_error
        logger.warning(
            "prompt check %s failed: %s (%s); failing %s",
            detector,
            type(exc).__name__,
            getattr(exc, "code", None),
            "closed" if on_error == "block" else "open",
        )
        return [whole_text(detector, PROVIDER_ERROR, text, 1.0)] if on_error == "block" else []


C = TypeVar("C", bound=RemoteCheckConfig)


class RemoteDetector(ABC, Generic[C]):
    """What every remote harm detector does the same way: one retrying client for `url`, checks that
    fail safe (`fail_safe`), and closing the client. Each vendor writes only `_check`."""

    def __init__(self, config: C, url: str, *, sleep: Sleep | None = None) -> None:
        self.name = config.name
        self._config = config
        self._url = url
        self._client = RemoteClient(config.http, provider=config.name, sleep=sleep)

    async def detect_async(self, text: str) -> list[Finding]:
        return await fail_safe(self.name, text, self._config.on_error, lambda: self._check(text))

    async def aclose(self) -> None:
        await self._client.aclose()

    @abstractmethod
    async def _check(self, text: str) -> list[Finding]:
        """Ask the vendor about `text`; any exception becomes the configured on_error outcome."""
