"""The `azure_openai` backend: Azure OpenAI image deployments, by api-key or Entra ID token."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlencode

import httpx
from pydantic import Field, SecretStr, model_validator

from limner.errors import InvalidRequestError, UnavailableError
from limner.generation.backends._http import UpstreamOptions
from limner.generation.backends._images_api import ImagesApiBackend
from limner.imaging.requests import ImageRequest, Operation
from limner.upstream import Sleep


class AzureOpenAIConfig(UpstreamOptions):
    """Azure OpenAI settings; give exactly one of api_key, entra_token or entra_token_file."""

    kind: Literal["azure_openai"] = "azure_openai"
    endpoint: str = Field(
        pattern=r"^https?://", description="Resource URL, e.g. https://NAME.openai.azure.com"
    )
    deployments: dict[str, str] = Field(
        default_factory=dict,
        description="Upstream model id -> deployment name; a model not listed uses its id",
    )
    api_version: str = Field(default="2025-04-01-preview", description="Sent as ?api-version=")
    api_key: SecretStr | None = Field(default=None, description="Sent as the api-key header")
    entra_token: SecretStr | None = Field(default=None, description="A static Entra ID token")
    entra_token_file: Path | None = Field(
        default=None, description="File holding an Entra ID token; re-read on every request"
    )

    @model_validator(mode="after")
    def _one_credential(self) -> AzureOpenAIConfig:
        given = [self.api_key, self.entra_token, self.entra_token_file]
        if sum(value is not None for value in given) != 1:
            raise ValueError("set exactly one of api_key, entra_token, entra_token_file")
        return self


class AzureRoute:
    """Deployment-scoped URLs (variations are not) and api-key or Bearer credentials."""

    def __init__(self, config: AzureOpenAIConfig) -> None:
        self._config = config
        self._root = config.endpoint.rstrip("/") + "/openai"
        self._query = "?" + urlencode({"api-version": config.api_version})

    def url(self, operation: Operation, model: str) -> str:
        if operation == "variation":
            return f"{self._root}/images/variations{self._query}"
        deployment = quote(self._config.deployments.get(model, model), safe="")
        action = "generations" if operation == "generate" else "edits"
        return f"{self._root}/deployments/{deployment}/images/{action}{self._query}"

    def check_url(self) -> str:
        return f"{self._root}/models{self._query}"

    async def auth_headers(self) -> dict[str, str]:
        if self._config.api_key is not None:
            return {"api-key": self._config.api_key.get_secret_value()}
        return {"authorization": f"Bearer {await self._token()}"}

    async def _token(self) -> str:
        if self._config.entra_token is not None:
            return self._config.entra_token.get_secret_value()
        path = self._config.entra_token_file
        assert path is not None  # the config validator guarantees one credential
        try:
            token = (await asyncio.to_thread(path.read_text, encoding="utf-8")).strip()
        except OSError as exc:
            raise UnavailableError("The Azure OpenAI token file cannot be read.") from exc
        if not token:
            raise UnavailableError("The Azure OpenAI token file is empty.")
        return token


class AzureOpenAIBackend(ImagesApiBackend):
    """ImageBackend for Azure OpenAI: the OpenAI wire format on Azure's URLs."""

    def __init__(
        self,
        config: AzureOpenAIConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(config, AzureRoute(config), transport=transport, sleep=sleep)

    def refuse(self, request: ImageRequest) -> None:
        """Azure documents PNG and JPEG only."""
        if request.output_format == "webp":
            raise InvalidRequestError(
                "Azure OpenAI does not support webp output; use png or jpeg.", param="output_format"
            )
