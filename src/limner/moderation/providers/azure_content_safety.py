"""Azure AI Content Safety's image analysis (Hate, SelfHarm, Sexual, Violence at four severities)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

from limner.errors import UpstreamError
from limner.imaging.decoding import encode, open_image
from limner.moderation import categories as cat
from limner.moderation.providers._http import HttpOptions, build_client, post_json
from limner.moderation.providers.base import ModerationScores
from limner.upstream import (
    AZURE_CATEGORIES,
    AZURE_CONTENT_SAFETY_API_VERSION,
    AzureCategory,
    azure_severity_scores,
)

LABELS: dict[str, str] = {
    "Hate": cat.HATE,
    "SelfHarm": cat.SELF_HARM,
    "Sexual": cat.SEXUAL,
    "Violence": cat.VIOLENCE,
}
# The service refuses images above 2048x2048 or 4 MB and below 50x50.
MAX_SIDE = 2048
MIN_SIDE = 50
MAX_BYTES = 4 * 1024 * 1024


class AzureContentSafetyConfig(BaseModel):
    kind: Literal["azure_content_safety"] = "azure_content_safety"
    name: str = Field(default="azure_content_safety", description="Provider name in verdicts")
    endpoint: str = Field(description="Resource endpoint, e.g. https://<name>.cognitiveservices.azure.com")
    api_key: SecretStr = Field(description="Ocp-Apim-Subscription-Key of the resource")
    api_version: str = Field(
        default=AZURE_CONTENT_SAFETY_API_VERSION, description="Content Safety REST API version"
    )
    categories: list[AzureCategory] = Field(
        default_factory=lambda: list(AZURE_CATEGORIES), description="Azure categories to analyse"
    )
    http: HttpOptions = Field(default_factory=HttpOptions, description="Timeouts and retries")


class AzureContentSafetyModerator:
    def __init__(self, config: AzureContentSafetyConfig) -> None:
        self.name = config.name
        self._config = config
        self._url = (
            f"{config.endpoint.rstrip('/')}/contentsafety/image:analyze?api-version={config.api_version}"
        )
        self._client = build_client(config.http)

    async def moderate(self, image: bytes) -> ModerationScores:
        fitted = await asyncio.to_thread(fit_for_service, image)
        body = {
            "image": {"content": base64.b64encode(fitted).decode()},
            "categories": list(self._config.categories),
            "outputType": "FourSeverityLevels",
        }
        key = self._config.api_key.get_secret_value()
        answer = await post_json(
            self._client,
            self._url,
            body=body,
            headers={"ocp-apim-subscription-key": key},
            options=self._config.http,
            provider=self.name,
        )
        return ModerationScores(provider=self.name, scores=parse_scores(answer, self.name))

    async def aclose(self) -> None:
        await self._client.aclose()


def fit_for_service(image: bytes) -> bytes:
    """Resize into the service's accepted range; an image already inside it is sent unchanged."""
    with open_image(image, field="image") as decoded:
        width, height = decoded.size
        fits = max(width, height) <= MAX_SIDE and min(width, height) >= MIN_SIDE
        if fits and len(image) <= MAX_BYTES:
            return image
        scale = min(MAX_SIDE / max(width, height), max(MIN_SIDE / min(width, height), 1.0))
        # A sliver too thin to fit both limits is stretched: a distorted check beats a refused one.
        size = (_clamp(round(width * scale)), _clamp(round(height * scale)))
        resized = decoded.convert("RGB").resize(size)
    # JPEG keeps a 2048² photo well under 4 MB; moderation does not need lossless pixels.
    return encode(resized, "jpeg", compression=10)


def _clamp(side: int) -> int:
    return min(max(side, MIN_SIDE), MAX_SIDE)


def parse_scores(answer: Any, provider: str) -> dict[str, float]:
    """Map categoriesAnalysis severities (0/2/4/6) onto scores 0, 0.33, 0.67, 1.0."""
    try:
        return azure_severity_scores(answer, LABELS)
    except ValueError as exc:
        raise UpstreamError(
            f"The moderation provider '{provider}' sent an answer of an unexpected shape.",
            code="upstream_bad_response",
        ) from exc
