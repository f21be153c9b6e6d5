"""FakeModerator: fixed or per-image scores, and scripted failures, for tests and local development."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from limner.errors import UpstreamError, UpstreamTimeoutError
from limner.moderation.providers.base import ModerationScores


class FakeModeratorConfig(BaseModel):
    kind: Literal["fake"] = "fake"
    name: str = Field(default="fake", description="Provider name in verdicts")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Scores returned for any image not listed by hash"
    )
    scores_by_sha256: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Scores for specific images, keyed by hex SHA-256"
    )
    fail_with: Literal["upstream_error", "timeout"] | None = Field(
        default=None, description="Raise this error instead of scoring"
    )
    delay_s: float = Field(default=0.0, ge=0, description="Pretend latency per call")


class FakeModerator:
    def __init__(self, config: FakeModeratorConfig) -> None:
        self.name = config.name
        self._config = config
        self.seen: list[str] = []  # SHA-256 of every image moderated, so tests can check coverage
        self.closed = False

    async def moderate(self, image: bytes) -> ModerationScores:
        digest = hashlib.sha256(image).hexdigest()
        self.seen.append(digest)
        if self._config.delay_s:
            await asyncio.sleep(self._config.delay_s)
        if self._config.fail_with == "timeout":
            raise UpstreamTimeoutError(f"The moderation provider '{self.name}' timed out.")
        if self._config.fail_with == "upstream_error":
            raise UpstreamError(f"The moderation provider '{self.name}' failed.")
        scores = self._config.scores_by_sha256.get(digest, self._config.scores)
        return ModerationScores(provider=self.name, scores=dict(scores))

    async def aclose(self) -> None:
        self.closed = True
