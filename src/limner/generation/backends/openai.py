"""The `openai` backend: OpenAI's Images API (or any compatible server) over httpx."""

from __future__ import annotations

import asyncio
from typing import Literal

import httpx
from pydantic import Field, SecretStr

from limner.generation.backends._http import UpstreamOptions
from limner.generation.backends._images_api import ImagesApiBackend
from limner.imaging.requests import Operation
from limner.upstream import Sleep

_PATHS: dict[Operation, str] = {
    "generate": "/images/generations",
    "edit": "/images/edits",
    "variation": "/images/variations",
}


class OpenAIConfig(UpstreamOptions):
    """OpenAI Images API settings."""

    kind: Literal["openai"] = "openai"
    base_url: str = Field(
        default="https://api.openai.com/v1",
        pattern=r"^https?://",
        description="API root; requests go to {base_url}/images/...",
    )
    api_key: SecretStr = Field(description="The gateway's own OpenAI key (never a client's key)")
    organization: str | None = Field(default=None, description="Sent as OpenAI-Organization")
    project: str | None = Field(default=None, description="Sent as OpenAI-Project")


class OpenAIRoute:
    """OpenAI's URLs and Bearer credentials."""

    def __init__(self, config: OpenAIConfig) -> None:
        self._config = config
        self._root = config.base_url.rstrip("/")

    def url(self, operation: Operation, model: str) -> str:
        return self._root + _PATHS[operation]

    def check_url(self) -> str:
        return self._root + "/models"

    async def auth_headers(self) -> dict[str, str]:
        headers = {"authorization": f"Bearer {self._config.api_key.get_secret_value()}"}
        if self._config.organization:
            headers["openai-organization"] = self._config.organization
        if self._config.project:
            headers["openai-project"] = self._config.project
        return headers


class OpenAIBackend(ImagesApiBackend):
    """ImageBackend for OpenAI: JSON generations, multipart edits and variations."""

    def __init__(
        self,
        config: OpenAIConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(config, OpenAIRoute(config), transport=transport, sleep=sleep)
