"""OpenAI's omni-moderation model, called over HTTP on the image as a data URL."""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

from limner.errors import UpstreamError
from limner.imaging.decoding import sniff_format
from limner.moderation import categories as cat
from limner.moderation.providers._http import HttpOptions, build_client, post_json
from limner.moderation.providers.base import ModerationScores

# OpenAI's labels → ours. Several labels fold into one category: the highest score wins.
LABELS: dict[str, str] = {
    "sexual": cat.SEXUAL,
    "sexual/minors": cat.SEXUAL_MINORS,
    "violence": cat.VIOLENCE,
    "violence/graphic": cat.GORE,
    "self-harm": cat.SELF_HARM,
    "self-harm/intent": cat.SELF_HARM,
    "self-harm/instructions": cat.SELF_HARM,
    "hate": cat.HATE,
    "hate/threatening": cat.HATE,
    "harassment": cat.HARASSMENT,
    "harassment/threatening": cat.HARASSMENT,
    "illicit": cat.ILLEGAL,
    "illicit/violent": cat.ILLEGAL,
}


class OpenAIModeratorConfig(BaseModel):
    kind: Literal["openai"] = "openai"
    name: str = Field(default="openai", description="Provider name in verdicts and audit records")
    base_url: str = Field(default="https://api.openai.com/v1", description="API root, no trailing /")
    api_key: SecretStr = Field(description="OpenAI API key (Bearer token)")
    model: str = Field(default="omni-moderation-latest", description="Moderation model id")
    http: HttpOptions = Field(default_factory=HttpOptions, description="Timeouts and retries")


class OpenAIModerator:
    def __init__(self, config: OpenAIModeratorConfig) -> None:
        self.name = config.name
        self._config = config
        self._url = config.base_url.rstrip("/") + "/moderations"
        self._client = build_client(config.http)

    async def moderate(self, image: bytes) -> ModerationScores:
        fmt = sniff_format(image) or "png"
        data_url = f"data:image/{fmt};base64,{base64.b64encode(image).decode()}"
        body = {
            "model": self._config.model,
            "input": [{"type": "image_url", "image_url": {"url": data_url}}],
        }
        key = self._config.api_key.get_secret_value()
        answer = await post_json(
            self._client,
            self._url,
            body=body,
            headers={"authorization": f"Bearer {key}"},
            options=self._config.http,
            provider=self.name,
        )
        return ModerationScores(provider=self.name, scores=parse_scores(answer, self.name))

    async def aclose(self) -> None:
        await self._client.aclose()


def parse_scores(answer: Any, provider: str) -> dict[str, float]:
    """Fold results[0].category_scores onto our categories; refuse a body of the wrong shape."""
    try:
        raw = answer["results"][0]["category_scores"]
        pairs = [(LABELS[label], float(value)) for label, value in raw.items() if label in LABELS]
        if not pairs:  # a renamed label set must not read as "nothing found"
            raise KeyError("no known category")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise UpstreamError(
            f"The moderation provider '{provider}' sent an answer of an unexpected shape.",
            code="upstream_bad_response",
        ) from exc
    scores: dict[str, float] = {}
    for category, value in pairs:
        scores[category] = max(scores.get(category, 0.0), min(max(value, 0.0), 1.0))
    return scores
