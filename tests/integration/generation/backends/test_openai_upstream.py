"""Integration tests: the openai backend against the loopback fake of OpenAI's Images API.

Unit tests of the same backend over httpx.MockTransport: tests/unit/generation/backends/test_openai.py."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from limner.errors import ContentPolicyViolation, UpstreamError, UpstreamTimeoutError
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig
from limner.imaging.requests import ImageRequest, InputImage
from tests.fakes.openai_upstream import FakeUpstreamState

LIMNER_KEY = "lim_live_client_key_never_upstream"


@pytest.fixture
async def backend(upstream: tuple[str, FakeUpstreamState]) -> AsyncIterator[OpenAIBackend]:
    base_url, state = upstream
    config = OpenAIConfig(
        base_url=base_url,
        api_key=state.api_key,
        retry_initial_delay_s=0.01,
        read_timeout_s=5,
    )
    backend = OpenAIBackend(config)
    yield backend
    await backend.aclose()


def _png(size: tuple[int, int], mode: str = "RGB") -> InputImage:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return InputImage(data=buffer.getvalue(), width=size[0], height=size[1])


def _request(**overrides: object) -> ImageRequest:
    fields: dict[str, object] = {"operation": "generate", "model": "gpt-image-1.5", "prompt": "a lighthouse"}
    return ImageRequest(**(fields | {"n": 1, "size": "1024x1536", "user": "u-hash"} | overrides))  # type: ignore[arg-type]


async def test_gpt_image_generation_returns_images_of_the_size_and_usage(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    result = await backend.generate(_request(n=2, output_format="jpeg"))
    assert [image.format for image in result.images] == ["jpeg", "jpeg"]
    assert Image.open(io.BytesIO(result.images[0].data)).size == (1024, 1536)
    assert result.usage is not None
    assert result.usage.total_tokens == 4210
    sent = upstream[1].requests[-1]
    assert sent.json == {"model": "gpt-image-1.5", "prompt": "a lighthouse", "n": 2, "size": "1024x1536",
                         "user": "u-hash", "output_format": "jpeg"}  # fmt: skip


async def test_dalle3_asks_for_b64_json_and_keeps_the_revised_prompt(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    result = await backend.generate(_request(model="dall-e-3", size="1792x1024", style="vivid", quality="hd"))
    assert result.images[0].revised_prompt == "A detailed illustration: a lighthouse"
    assert result.usage is None
    assert upstream[1].requests[-1].json["response_format"] == "b64_json"
    assert [r.path for r in upstream[1].requests] == ["/v1/images/generations"]  # no URL fetch


async def test_only_the_gateway_credentials_go_upstream(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    await backend.generate(_request(extra={"safety_identifier": "u-hash"}))
    sent = upstream[1].requests[-1]
    assert sent.headers["authorization"] == f"Bearer {upstream[1].api_key}"
    assert LIMNER_KEY not in repr(sent)
    expected = {"host", "accept", "accept-encoding", "connection", "user-agent", "authorization"}
    assert set(sent.headers) == expected | {"content-length", "content-type"}


async def test_single_image_edit_with_mask(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    request = _request(
        operation="edit", size="1024x1024", images=(_png((32, 32)),), mask=_png((32, 32), "RGBA")
    )
    result = await backend.generate(request)
    sent = upstream[1].requests[-1]
    assert (sent.path, sorted(sent.files)) == ("/v1/images/edits", ["image", "mask"])
    assert sent.files["image"][0].content_type == "image/png"
    assert sent.form["prompt"] == ["a lighthouse"]
    assert result.images[0].format == "png"


async def test_multi_image_edit_uses_image_brackets(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    await backend.generate(_request(operation="edit", images=(_png((16, 16)), _png((24, 24)))))
    assert len(upstream[1].requests[-1].files["image[]"]) == 2


async def test_dalle2_variation(backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]) -> None:
    request = _request(
        operation="variation", model="dall-e-2", prompt=None, size="256x256", n=3, images=(_png((64, 64)),)
    )
    result = await backend.generate(request)
    assert len(result.images) == 3
    assert Image.open(io.BytesIO(result.images[0].data)).size == (256, 256)
    assert upstream[1].requests[-1].form["response_format"] == ["b64_json"]


async def test_rate_limit_is_retried_after_the_servers_delay(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    upstream[1].add_fault("http_429", times=2, retry_after_ms="20")
    assert len((await backend.generate(_request())).images) == 1
    assert len(upstream[1].image_requests()) == 3


async def test_persistent_500_fails_after_three_attempts(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    upstream[1].add_fault("http_500", times=5)
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    assert (caught.value.status, caught.value.code) == (502, "upstream_unavailable")
    assert len(upstream[1].image_requests()) == 3


async def test_503_then_success(backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]) -> None:
    upstream[1].add_fault("http_503")
    assert len((await backend.generate(_request())).images) == 1


@pytest.mark.parametrize(
    ("fault", "categories"), [("content_policy_violation", []), ("moderation_blocked", ["moderation.sexual"])]
)
async def test_safety_blocks_become_content_policy_violations(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState], fault: str, categories: list[str]
) -> None:
    upstream[1].add_fault(fault)  # type: ignore[arg-type]
    with pytest.raises(ContentPolicyViolation) as caught:
        await backend.generate(_request())
    assert caught.value.categories == categories
    assert fault in caught.value.message
    assert "a lighthouse" not in caught.value.message
    assert len(upstream[1].image_requests()) == 1  # a refusal is never retried


@pytest.mark.parametrize("fault", ["garbage", "error_in_200"])
async def test_garbage_answers_are_bad_responses(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState], fault: str
) -> None:
    upstream[1].add_fault(fault)  # type: ignore[arg-type]
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    assert caught.value.code == "upstream_bad_response"


async def test_url_answers_are_fetched_from_the_vendor_without_credentials(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    upstream[1].add_fault("url_response")
    result = await backend.generate(_request(model="dall-e-2", size="512x512"))
    fetch = upstream[1].requests[-1]
    assert fetch.path == "/files/512x512.png"
    assert "authorization" not in fetch.headers
    assert Image.open(io.BytesIO(result.images[0].data)).size == (512, 512)


async def test_vendor_refusal_of_a_parameter_names_it(backend: OpenAIBackend) -> None:
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request(model="dall-e-3", n=2, size="1024x1024"))
    assert (caught.value.code, caught.value.param) == ("upstream_bad_request", "n")


async def test_wrong_vendor_key_is_reported_without_the_key(upstream: tuple[str, FakeUpstreamState]) -> None:
    backend = OpenAIBackend(OpenAIConfig(base_url=upstream[0], api_key="sk-wrong-key"))
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    await backend.aclose()
    assert caught.value.code == "upstream_auth_failed"
    assert "sk-" not in caught.value.message


async def test_slow_vendor_within_the_timeout_succeeds(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    upstream[1].add_fault("slow", delay_s=0.3)
    started = time.monotonic()
    await backend.generate(_request())
    assert time.monotonic() - started >= 0.3


async def test_hanging_vendor_times_out_with_504(upstream: tuple[str, FakeUpstreamState]) -> None:
    base_url, state = upstream
    state.add_fault("timeout", delay_s=5)
    backend = OpenAIBackend(OpenAIConfig(base_url=base_url, api_key=state.api_key, read_timeout_s=0.3))
    with pytest.raises(UpstreamTimeoutError) as caught:
        await backend.generate(_request())
    await backend.aclose()
    assert (caught.value.status, caught.value.code) == (504, "upstream_timeout")
    assert len(state.image_requests()) == 1


async def test_unreachable_vendor(upstream: tuple[str, FakeUpstreamState]) -> None:
    config = OpenAIConfig(base_url="http://127.0.0.1:9/v1", api_key="k", retry_initial_delay_s=0.01)
    backend = OpenAIBackend(config)
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    await backend.aclose()
    assert caught.value.code == "upstream_unreachable"


async def test_check_passes_with_good_credentials(
    backend: OpenAIBackend, upstream: tuple[str, FakeUpstreamState]
) -> None:
    await backend.check()
    assert upstream[1].requests[-1].path == "/v1/models"
