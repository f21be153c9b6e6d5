"""Llama Guard 3 behind any OpenAI-compatible chat endpoint (vLLM, Ollama, TGI, hosted) as a harm
detector (`kind: llama_guard`).

The prompt is sent as the only user turn to POST {base_url}/chat/completions; the server's chat
template wraps it in Llama Guard's instructions, and the model answers "safe" or "unsafe" with a
second line of hazard codes, e.g. "unsafe\\nS1,S10". Each code maps to a harm category at score 1:

    S1 violent crimes, S9 indiscriminate weapons   → harm.violence
    S2 non-violent crimes, S3 sex-related crimes  → harm.illegal
    S4 child sexual exploitation                  → harm.sexual_minors
    S10 hate → harm.hate    S11 suicide & self-harm → harm.self_harm    S12 sexual content → harm.sexual
    S5 defamation, S13 elections                  → harm.shocking (images of real people or votes: review)
    S6 specialized advice, S7 privacy, S8 IP, S14 code interpreter abuse → no finding: they judge a text
        answer, not an image, and Limner's own pii and ip detectors cover privacy and IP.

A code the map does not know (a newer model) gives `unknown_category`, so "unsafe" is never ignored.

    detectors:
      - kind: llama_guard
        base_url: http://llama-guard:8000/v1
        model: meta-llama/Llama-Guard-3-8B
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from limner.policy.detectors._remote_http import bad_response
from limner.policy.detectors.harm import CATEGORIES
from limner.policy.detectors.remote_base import RemoteCheckConfig, RemoteDetector, scored_findings
from limner.policy.schemas import Finding
from limner.upstream import Sleep

DEFAULT_CODES: dict[str, str | None] = {
    "S1": "harm.violence",
    "S2": "harm.illegal",
    "S3": "harm.illegal",
    "S4": "harm.sexual_minors",
    "S5": "harm.shocking",
    "S6": None,
    "S7": None,
    "S8": None,
    "S9": "harm.violence",
    "S10": "harm.hate",
    "S11": "harm.self_harm",
    "S12": "harm.sexual",
    "S13": "harm.shocking",
    "S14": None,
}
_CODE = re.compile(r"^S\d{1,2}$")


class LlamaGuardConfig(RemoteCheckConfig):
    kind: Literal["llama_guard"] = "llama_guard"
    name: str = Field(default="llama_guard", description="Detector name in findings and logs")
    base_url: str = Field(description="Root of the OpenAI-compatible API, e.g. http://host:8000/v1")
    model: str = Field(default="meta-llama/Llama-Guard-3-8B", description="Model name on that server")
    api_key: SecretStr | None = Field(default=None, description="Bearer token, if the server wants one")
    codes: dict[str, str | None] = Field(
        default_factory=lambda: dict(DEFAULT_CODES),
        description="Hazard code → harm category, or null for no finding; replaces the whole default map",
    )
    unknown_category: str = Field(default="harm.shocking", description="Category of an unmapped code")

    @field_validator("codes")
    @classmethod
    def _known_codes(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        bad = sorted(code for code in value if not _CODE.match(code))
        if bad:
            raise ValueError(f"hazard codes look like S1..S14, not {bad}")
        for category in value.values():
            _check_category(category)
        return value

    @field_validator("unknown_category")
    @classmethod
    def _known_unknown(cls, value: str) -> str:
        _check_category(value)
        return value


def _check_category(category: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown harm category {category!r}; known: {list(CATEGORIES)}")


class LlamaGuardDetector(RemoteDetector[LlamaGuardConfig]):
    def __init__(self, config: LlamaGuardConfig, *, sleep: Sleep | None = None) -> None:
        super().__init__(config, config.base_url.rstrip("/") + "/chat/completions", sleep=sleep)

    async def _check(self, text: str) -> list[Finding]:
        headers = {}
        if self._config.api_key is not None:
            headers["authorization"] = f"Bearer {self._config.api_key.get_secret_value()}"
        body = {
            "model": self._config.model,
            "messages": [{"role": "user", "content": text}],
            "temperature": 0,
            "max_tokens": 32,  # "unsafe\nS1,S2,...": a verdict, never prose
        }
        answer = await self._client.post_json(self._url, body=body, headers=headers)
        codes = parse_verdict(_content(answer, self.name), self.name)
        return scored_findings(self.name, text, self._scores(codes), self._config)

    def _scores(self, codes: list[str]) -> dict[str, float]:
        mapping = self._config.codes
        categories = {mapping.get(c, self._config.unknown_category) for c in codes}
        return {category: 1.0 for category in categories if category is not None}


def _content(answer: Any, provider: str) -> str:
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise bad_response(provider) from exc
    if not isinstance(content, str):
        raise bad_response(provider)
    return content


def parse_verdict(content: str, provider: str) -> list[str]:
    """[] for "safe"; the hazard codes for "unsafe" (an unsafe verdict without codes gives ["?"],
    an unknown code). Anything else is not a Llama Guard answer and raises (failing closed)."""
    lines = [line.strip() for line in content.strip().splitlines() if line.strip()]
    verdict = lines[0].lower() if lines else ""
    if verdict == "safe":
        return []
    if verdict != "unsafe":
        raise bad_response(provider)
    codes = [code.strip().upper() for code in lines[1].split(",")] if len(lines) > 1 else []
    codes = [code for code in codes if code]
    if any(not _CODE.match(code) for code in codes):
        raise bad_response(provider)
    return codes or ["?"]
