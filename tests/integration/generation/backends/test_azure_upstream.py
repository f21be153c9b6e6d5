"""Integration tests: the azure_openai backend against the loopback fake of Azure OpenAI.

Unit tests over httpx.MockTransport: tests/unit/generation/backends/test_azure_openai.py."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from limner.errors import ContentPolicyViolation, UnavailableError, UpstreamError
from limner.generation.backends.azure_openai import AzureOpenAIBackend, AzureOpenAIConfig
from limner.imaging.requests import ImageRequest, InputImage
from tests.fakes.openai_upstream import FakeUpstreamState

DEPLOYMENTS = {"gpt-image-1.5": "gptimage", "dall-e-3": "dalle3", "dall-e-2": "dalle2"}


def _config(state: FakeUpstreamState, **overrides: object) -> AzureOpenAIConfig:
    fields = {"endpoint": state.azure_endpoint, "api_key": state.azure_api_key, "deployments": DEPLOYMENTS}
    return AzureOpenAIConfig.model_validate(fields | {"retry_initial_delay_s": 0.01} | overrides)


@pytest.fixture
async def backend(upstream: tuple[str, FakeUpstreamState]) -> AsyncIterator[AzureOpenAIBackend]:
    backend = AzureOpenAIBackend(_config(upstream[1]))
    yield backend
    await backend.aclose()


def _request(**overrides: object) -> ImageRequest:
    fields: dict[str, object] = {"operation": "generate", "model": "gpt-image-1.5", "prompt": "a harbour"}
    return ImageRequest(**(fields | {"n": 1, "size": "1024x1024"} | overrides))  # type: ignore[arg-type]


async def test_generation_goes_to_the_mapped_deployment(
    backend: AzureOpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    result = await backend.generate(_request(output_format="jpeg"))
    sent = upstream[1].requests[-1]
    assert sent.path == "/openai/deployments/gptimage/images/generations"
    assert sent.query == {"api-version": "2025-04-01-preview"}
    assert sent.headers["api-key"] == upstream[1].azure_api_key
    assert "authorization" not in sent.headers
    assert result.images[0].format == "jpeg"


async def test_dalle3_on_azure_keeps_the_revised_prompt(backend: AzureOpenAIBackend) -> None:
    result = await backend.generate(_request(model="dall-e-3"))
    assert result.images[0].revised_prompt is not None


async def test_edit_and_variation_shapes(
    backend: AzureOpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="PNG")
    image = InputImage(data=buffer.getvalue(), width=32, height=32)
    await backend.generate(_request(operation="edit", images=(image,)))
    await backend.generate(
        _request(operation="variation", model="dall-e-2", prompt=None, size="256x256", images=(image,))
    )
    paths = [r.path for r in upstream[1].requests]
    assert paths == ["/openai/deployments/gptimage/images/edits", "/openai/images/variations"]


async def test_entra_token_file_auth(upstream: tuple[str, FakeUpstreamState], tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(upstream[1].azure_token, encoding="utf-8")
    backend = AzureOpenAIBackend(_config(upstream[1], api_key=None, entra_token_file=str(token_file)))
    await backend.generate(_request())
    await backend.aclose()
    assert upstream[1].requests[-1].headers["authorization"] == f"Bearer {upstream[1].azure_token}"


@pytest.mark.parametrize(
    ("fault", "categories"),
    [("azure_content_filter", ["moderation.sexual"]), ("azure_legacy_content_filter", [])],
)
async def test_azure_content_filters_become_policy_violations(
    backend: AzureOpenAIBackend, upstream: tuple[str, FakeUpstreamState], fault: str, categories: list[str]
) -> None:
    upstream[1].add_fault(fault)  # type: ignore[arg-type]
    with pytest.raises(ContentPolicyViolation) as caught:
        await backend.generate(_request())
    assert caught.value.categories == categories


async def test_unknown_deployment_is_upstream_not_found(backend: AzureOpenAIBackend) -> None:
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request(model="gpt-image-2"))
    assert caught.value.code == "upstream_not_found"
    assert "DeploymentNotFound" in caught.value.message


async def test_wrong_key_is_auth_failure_and_check_unavailable(
    upstream: tuple[str, FakeUpstreamState],
) -> None:
    backend = AzureOpenAIBackend(_config(upstream[1], api_key="wrong-azure-key"))
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    with pytest.raises(UnavailableError):
        await backend.check()
    await backend.aclose()
    assert caught.value.code == "upstream_auth_failed"
    assert "wrong-azure-key" not in caught.value.message


async def test_check_lists_models(
    backend: AzureOpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    await backend.check()
    assert upstream[1].requests[-1].path == "/openai/models"


async def test_rate_limit_on_azure_is_retried(
    backend: AzureOpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    upstream[1].add_fault("http_429", retry_after="0.01")
    await backend.generate(_request())
    assert len(upstream[1].image_requests()) == 2
