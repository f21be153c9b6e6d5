"""Azure AI Content Safety's text analysis as a harm detector (`kind: azure_content_safety_text`).

POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01 with Ocp-Apim-Subscription-Key
and {"text", "categories", "outputType": "FourSeverityLevels"}; categoriesAnalysis severities
0/2/4/6 become scores 0/0.33/0.67/1.0 for Hate, SelfHarm, Sexual and Violence. The service takes
at most 10k characters, so a longer prompt is sent in pieces and each finding spans its piece.

    detectors:
      - kind: azure_content_safety_text
        endpoint: https://<resource>.cognitiveservices.azure.com
        api_key: <key>
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field, SecretStr

from limner.policy.detectors._remote_http import bad_response
from limner.policy.detectors.remote_base import RemoteCheckConfig, RemoteDetector, scored_findings
from limner.policy.schemas import Finding
from limner.upstream import (
    AZURE_CATEGORIES,
    AZURE_CONTENT_SAFETY_API_VERSION,
    AzureCategory,
    Sleep,
    azure_severity_scores,
)

MAX_CHARS = 10_000  # per request, in Unicode code points (Python str indexes)
LABELS: dict[str, str] = {
    "Hate": "harm.hate",
    "SelfHarm": "harm.self_harm",
    "Sexual": "harm.sexual",
    "Violence": "harm.violence",
}


class AzureContentSafetyTextConfig(RemoteCheckConfig):
    kind: Literal["azure_content_safety_text"] = "azure_content_safety_text"
    name: str = Field(default="azure_content_safety_text", description="Detector name in findings and logs")
    endpoint: str = Field(description="Resource endpoint, e.g. https://<name>.cognitiveservices.azure.com")
    api_key: SecretStr = Field(description="Ocp-Apim-Subscription-Key of the resource")
    api_version: str = Field(
        default=AZURE_CONTENT_SAFETY_API_VERSION, description="Content Safety REST API version"
    )
    categories: list[AzureCategory] = Field(
        default_factory=lambda: list(AZURE_CATEGORIES),
        min_length=1,
        description="Azure categories to analyse",
    )


class AzureContentSafetyTextDetector(RemoteDetector[AzureContentSafetyTextConfig]):
    def __init__(self, config: AzureContentSafetyTextConfig, *, sleep: Sleep | None = None) -> None:
        endpoint = config.endpoint.rstrip("/")
        url = f"{endpoint}/contentsafety/text:analyze?api-version={config.api_version}"
        super().__init__(config, url, sleep=sleep)

    async def _check(self, text: str) -> list[Finding]:
        starts = range(0, len(text), MAX_CHARS)
        pieces = await asyncio.gather(*(self._check_piece(text[s : s + MAX_CHARS]) for s in starts))
        return [
            Finding(f.detector, f.category, f.start + start, f.end + start, f.score)
            for start, found in zip(starts, pieces, strict=True)
            for f in found
        ]

    async def _check_piece(self, piece: str) -> list[Finding]:
        answer = await self._client.post_json(
            self._url,
            body={
                "text": piece,
                "categories": list(self._config.categories),
                "outputType": "FourSeverityLevels",
            },
            headers={"ocp-apim-subscription-key": self._config.api_key.get_secret_value()},
        )
        return scored_findings(self.name, piece, parse_scores(answer, self.name), self._config)


def parse_scores(answer: Any, provider: str) -> dict[str, float]:
    """Map categoriesAnalysis severities (0/2/4/6) onto scores 0, 0.33, 0.67, 1.0."""
    try:
        return azure_severity_scores(answer, LABELS)
    except ValueError as exc:
        raise bad_response(provider) from exc
