"""Unit tests for the azure_openai backend over httpx.MockTransport (no network).

Against the loopback fake of Azure OpenAI: tests/integration/generation/backends/test_azure_upstream.py."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from limner.errors import InvalidRequestError, UnavailableError
from limner.generation.backends.azure_openai import AzureOpenAIBackend, AzureOpenAIConfig
from limner.imaging.requests import ImageRequest, InputImage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ENDPOINT = "https://res.openai.azure.com"


class Vendor:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            200, json={"created": 1, "data": [{"b64_json": base64.b64encode(PNG).decode()}]}
        )


def _backend(vendor: Vendor, **overrides: object) -> AzureOpenAIBackend:
    fields = {"endpoint": ENDPOINT + "/", "api_key": "az-key", "deployments": {"gpt-image-1.5": "img prod"}}
    config = AzureOpenAIConfig.model_validate(fields | overrides)
    return AzureOpenAIBackend(config, transport=httpx.MockTransport(vendor.handle))


def _request(**overrides: object) -> ImageRequest:
    fields: dict[str, object] = {"operation": "generate", "model": "gpt-image-1.5", "prompt": "p", "n": 1}
    return ImageRequest(**(fields | {"size": "1024x1024"} | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operation", "model", "url"),
    [
        ("generate", "gpt-image-1.5", "/openai/deployments/img%20prod/images/generations"),
        ("edit", "gpt-image-1.5", "/openai/deployments/img%20prod/images/edits"),
        ("generate", "dall-e-3", "/openai/deployments/dall-e-3/images/generations"),
        ("variation", "dall-e-2", "/openai/images/variations"),
    ],
)
async def test_urls_are_deployment_scoped_except_variations(operation: str, model: str, url: str) -> None:
    vendor = Vendor()
    images = (InputImage(data=PNG, width=1, height=1),) if operation != "generate" else ()
    await _backend(vendor).generate(_request(operation=operation, model=model, images=images))
    sent = vendor.requests[0]
    assert str(sent.url) == f"{ENDPOINT}{url}?api-version=2025-04-01-preview"


async def test_api_key_goes_in_the_api_key_header_only() -> None:
    vendor = Vendor()
    await _backend(vendor).generate(_request())
    assert vendor.requests[0].headers["api-key"] == "az-key"
    assert "authorization" not in vendor.requests[0].headers


async def test_static_entra_token_is_a_bearer() -> None:
    vendor = Vendor()
    await _backend(vendor, api_key=None, entra_token="tok-1").generate(_request())
    assert vendor.requests[0].headers["authorization"] == "Bearer tok-1"
    assert "api-key" not in vendor.requests[0].headers


async def test_token_file_is_reread_on_each_request(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("first\n", encoding="utf-8")
    vendor = Vendor()
    backend = _backend(vendor, api_key=None, entra_token_file=str(token_file))
    await backend.generate(_request())
    token_file.write_text("second", encoding="utf-8")
    await backend.generate(_request())
    assert [r.headers["authorization"] for r in vendor.requests] == ["Bearer first", "Bearer second"]


@pytest.mark.parametrize("content", [None, ""])
async def test_missing_or_empty_token_file_is_unavailable(tmp_path: Path, content: str | None) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content, encoding="utf-8")
    vendor = Vendor()
    with pytest.raises(UnavailableError, match="token file"):
        await _backend(vendor, api_key=None, entra_token_file=str(token_file)).generate(_request())
    assert vendor.requests == []


async def test_webp_is_refused_before_sending() -> None:
    vendor = Vendor()
    with pytest.raises(InvalidRequestError) as caught:
        await _backend(vendor).generate(_request(output_format="webp"))
    assert (caught.value.param, caught.value.status) == ("output_format", 400)
    assert vendor.requests == []


async def test_check_lists_models_with_the_api_version() -> None:
    vendor = Vendor()
    backend = _backend(vendor, api_version="2024-10-21")
    await backend.check()
    await backend.aclose()
    assert str(vendor.requests[0].url) == f"{ENDPOINT}/openai/models?api-version=2024-10-21"


@pytest.mark.parametrize(
    "credentials",
    [{}, {"api_key": "k", "entra_token": "t"}, {"entra_token": "t", "entra_token_file": "/tmp/t"}],
)
def test_config_needs_exactly_one_credential(credentials: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        AzureOpenAIConfig.model_validate({"endpoint": ENDPOINT} | credentials)


def test_config_hides_secrets() -> None:
    config = AzureOpenAIConfig(endpoint=ENDPOINT, entra_token="very-secret-token")
    assert "very-secret-token" not in repr(config)
    assert config.kind == "azure_openai"
