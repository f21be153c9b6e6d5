"""Integration tests: the openai backend sends what the official openai SDK sends, and the fake
answers in shapes the SDK's strict validation accepts (loopback fake, no vendor).

Field-level unit tests of the same wire format: tests/unit/generation/backends/test_wire.py."""

from __future__ import annotations

import io
from typing import Any

import openai
import pytest
from PIL import Image

from limner.errors import ContentPolicyViolation
from limner.generation.backends.base import BackendResult
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig
from limner.imaging.requests import ImageRequest, InputImage
from tests.fakes.openai_upstream import FakeUpstreamState, RecordedRequest


def _png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size)).save(buffer, format="PNG")
    return buffer.getvalue()


def _sdk(upstream: tuple[str, FakeUpstreamState]) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=upstream[0], api_key=upstream[1].api_key, max_retries=0, _strict_response_validation=True
    )


async def _limner(upstream: tuple[str, FakeUpstreamState], **fields: Any) -> RecordedRequest:
    backend = OpenAIBackend(OpenAIConfig(base_url=upstream[0], api_key=upstream[1].api_key))
    await backend.generate(ImageRequest(**fields))
    await backend.aclose()
    return upstream[1].requests[-1]


def _shape(recorded: RecordedRequest) -> tuple[str, dict[str, list[str]], dict[str, list[str | None]]]:
    files = {name: [f.content_type for f in parts] for name, parts in recorded.files.items()}
    return recorded.path, recorded.form, files


async def test_generation_json_matches_the_sdk(upstream: tuple[str, FakeUpstreamState]) -> None:
    async with _sdk(upstream) as client:
        response = await client.images.generate(
            model="gpt-image-1.5", prompt="a kite", n=2, size="1536x1024", quality="high", output_format="png"
        )
    sdk = upstream[1].requests[-1]
    ours = await _limner(upstream, operation="generate", model="gpt-image-1.5", prompt="a kite", n=2,
                         size="1536x1024", quality="high")  # fmt: skip
    assert ours.json == sdk.json
    assert response.usage is not None
    assert response.quality == "high"


async def test_dalle3_generation_matches_the_sdk_asking_for_b64(
    upstream: tuple[str, FakeUpstreamState],
) -> None:
    async with _sdk(upstream) as client:
        response = await client.images.generate(
            model="dall-e-3", prompt="a kite", n=1, size="1024x1024", response_format="b64_json"
        )
    sdk = upstream[1].requests[-1]
    ours = await _limner(
        upstream, operation="generate", model="dall-e-3", prompt="a kite", n=1, size="1024x1024"
    )
    assert ours.json == sdk.json
    assert response.data is not None
    assert response.data[0].revised_prompt


@pytest.mark.parametrize("count", [1, 3])
async def test_edit_multipart_matches_the_sdk(upstream: tuple[str, FakeUpstreamState], count: int) -> None:
    data = _png(32)
    files = [(f"image-{i}.png", data, "image/png") for i in range(count)]
    async with _sdk(upstream) as client:
        await client.images.edit(
            model="gpt-image-1.5",
            image=files[0] if count == 1 else files,
            mask=("mask.png", data, "image/png"),
            prompt="add a hat",
            n=1,
            output_format="png",
        )
    sdk = upstream[1].requests[-1]
    images = tuple(InputImage(data=data, width=32, height=32) for _ in range(count))
    mask = InputImage(data=data, width=32, height=32)
    ours = await _limner(upstream, operation="edit", model="gpt-image-1.5", prompt="add a hat", n=1,
                         size=None, images=images, mask=mask)  # fmt: skip
    assert _shape(ours) == _shape(sdk)
    assert [f.filename for f in ours.files["mask"]] == ["mask.png"]


async def test_variation_multipart_matches_the_sdk(upstream: tuple[str, FakeUpstreamState]) -> None:
    data = _png(64)
    async with _sdk(upstream) as client:
        with pytest.warns(DeprecationWarning, match="deprecated"):
            await client.images.create_variation(
                image=("image-0.png", data, "image/png"), model="dall-e-2", n=2, size="256x256",
                response_format="b64_json",
            )  # fmt: skip
    sdk = upstream[1].requests[-1]
    image = InputImage(data=data, width=64, height=64)
    ours = await _limner(upstream, operation="variation", model="dall-e-2", prompt=None, n=2,
                         size="256x256", images=(image,))  # fmt: skip
    assert _shape(ours) == _shape(sdk)


async def test_fake_errors_surface_as_the_sdk_classes(upstream: tuple[str, FakeUpstreamState]) -> None:
    upstream[1].add_fault("moderation_blocked")
    upstream[1].add_fault("http_429", retry_after="0")
    async with _sdk(upstream) as client:
        with pytest.raises(openai.BadRequestError) as blocked:
            await client.images.generate(model="gpt-image-1.5", prompt="x")
        with pytest.raises(openai.RateLimitError):
            await client.images.generate(model="gpt-image-1.5", prompt="x")
    assert blocked.value.code == "moderation_blocked"


async def test_azure_sdk_client_reaches_the_fake_deployment(upstream: tuple[str, FakeUpstreamState]) -> None:
    state = upstream[1]
    async with openai.AsyncAzureOpenAI(
        azure_endpoint=state.azure_endpoint, api_key=state.azure_api_key, api_version="2025-04-01-preview",
        max_retries=0, _strict_response_validation=True,
    ) as client:  # fmt: skip
        response = await client.images.generate(model="gptimage", prompt="a harbour", size="1024x1024")
    assert response.data is not None
    assert state.requests[-1].path == "/openai/deployments/gptimage/images/generations"


async def test_input_fidelity_is_forwarded_as_the_sdk_sends_it(
    upstream: tuple[str, FakeUpstreamState],
) -> None:
    data = _png(32)
    async with _sdk(upstream) as client:
        await client.images.edit(
            model="gpt-image-1.5", image=("image-0.png", data, "image/png"), prompt="add a hat",
            input_fidelity="high",
        )  # fmt: skip
    sdk = upstream[1].requests[-1]
    image = InputImage(data=data, width=32, height=32)
    ours = await _limner(upstream, operation="edit", model="gpt-image-1.5", prompt="add a hat", n=1,
                         size=None, images=(image,), input_fidelity="high")  # fmt: skip
    assert sdk.form["input_fidelity"] == ["high"]
    assert ours.form["input_fidelity"] == ["high"]


async def test_streaming_request_matches_the_sdk_and_partials_come_through(
    upstream: tuple[str, FakeUpstreamState],
) -> None:
    async with _sdk(upstream) as client:
        stream = await client.images.generate(
            model="gpt-image-1.5",
            prompt="a kite",
            size="1024x1024",
            stream=True,
            partial_images=2,
            n=1,
            output_format="png",
        )
        sdk_events = [event.type async for event in stream]
    sdk = upstream[1].requests[-1]
    backend = OpenAIBackend(OpenAIConfig(base_url=upstream[0], api_key=upstream[1].api_key))
    request = ImageRequest(
        operation="generate", model="gpt-image-1.5", prompt="a kite", n=1, size="1024x1024"
    )
    items = [item async for item in backend.stream(request, partial_images=2)]
    await backend.aclose()
    assert upstream[1].requests[-1].json == sdk.json
    assert sdk_events == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    partials, result = items[:-1], items[-1]
    assert [(p.index, p.partial_index) for p in partials] == [(0, 0), (0, 1)]  # type: ignore[union-attr]
    assert isinstance(result, BackendResult)
    assert result.usage is not None
    assert result.images[0].format == "png"


async def test_streamed_edits_and_errors(upstream: tuple[str, FakeUpstreamState]) -> None:
    backend = OpenAIBackend(OpenAIConfig(base_url=upstream[0], api_key=upstream[1].api_key))
    image = InputImage(data=_png(32), width=32, height=32)
    edit = ImageRequest(
        operation="edit", model="gpt-image-1.5", prompt="a hat", n=1, size=None, images=(image,)
    )
    items = [item async for item in backend.stream(edit, partial_images=1)]
    assert upstream[1].requests[-1].form["stream"] == ["true"]
    assert isinstance(items[-1], BackendResult)
    upstream[1].add_fault("moderation_blocked")
    with pytest.raises(ContentPolicyViolation):
        _ = [item async for item in backend.stream(edit, partial_images=1)]
    await backend.aclose()
