"""OpenAI's omni-moderation model as a harm detector (`kind: openai_moderation`).

POST {base_url}/moderations {"model", "input": text}; results[0].category_scores are folded onto
harm.* (the highest label wins): sexual, sexual/minors → sexual_minors, violence,
violence/graphic → gore, self-harm* → self_harm, hate* → hate, harassment* → harassment,
illicit* → illegal. A failure gives harm.provider_error (on_error: block) or nothing (allow).

    detectors:
      - kind: openai_moderation
        api_key: sk-...            # or base_url of any OpenAI-compatible /moderations
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr

from limner.policy.detectors._remote_http import bad_response
from limner.policy.detectors.remote_base import RemoteCheckConfig, RemoteDetector, scored_findings
from limner.policy.schemas import Finding
from limner.upstream import Sleep

LABELS: dict[str, str] = {
    "sexual": "harm.sexual",
    "sexual/minors": "harm.sexual_minors",
    "violence": "harm.violence",
    "violence/graphic": "harm.gore",
    "self-harm": "harm.self_harm",
    "self-harm/intent": "harm.self_harm",
    "self-harm/instructions": "harm.self_harm",
    "hate": "harm.hate",
    "hate/threatening": "harm.hate",
    "harassment": "harm.harassment",
    "harassment/threatening": "harm.harassment",
    "illicit": "harm.illegal",
    "illicit/violent": "harm.illegal",
}


class OpenAIModerationConfig(RemoteCheckConfig):
    kind: Literal["openai_moderation"] = "openai_moderation"
    name: str = Field(default="openai_moderation", description="Detector name in findings and logs")
    base_url: str = Field(default="https://api.openai.com/v1", description="API root")
    api_key: SecretStr = Field(description="OpenAI API key (Bearer token)")
    model: str = Field(default="omni-moderation-latest", description="Moderation model id")


class OpenAIModerationDetector(RemoteDetector[OpenAIModerationConfig]):
    def __init__(self, config: OpenAIModerationConfig, *, sleep: Sleep | None = None) -> None:
        super().__init__(config, config.base_url.rstrip("/") + "/moderations", sleep=sleep)

    async def _check(self, text: str) -> list[Finding]:
        key = self._config.api_key.get_secret_value()
        answer = await self._client.post_json(
            self._url,
            body={"model": self._config.model, "input": text},
            headers={"authorization": f"Bearer {key}"},
        )
        return scored_findings(self.name, text, parse_scores(answer, self.name), self._config)


def parse_scores(answer: Any, provider: str) -> dict[str, float]:
    """Fold results[0].category_scores onto harm.*; refuse a body of the wrong shape."""
    try:
        raw = answer["results"][0]["category_scores"]
        pairs = [(LABELS[label], float(value)) for label, value in raw.items() if label in LABELS]
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise bad_response(provider) from exc
    if not pairs:  # a renamed label set must not read as "nothing found"
        raise bad_response(provider)
    scores: dict[str, float] = {}
    for category, value in pairs:
        scores[category] = max(scores.get(category, 0.0), min(max(value, 0.0), 1.0))
    return scores
