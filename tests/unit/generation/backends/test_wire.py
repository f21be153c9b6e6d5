"""Unit tests for the Images API wire format: request bodies and ImagesResponse parsing (no network).

tests/integration/generation/backends/test_sdk_parity.py checks the same shapes against the official SDK."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from limner.errors import ContentPolicyViolation, UpstreamError
from limner.generation.backends._wire import (
    form_body,
    image_format,
    is_legacy,
    json_body,
    parse_images,
    parse_usage,
)
from limner.imaging.requests import ImageRequest, InputImage, Usage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
PICTURE = InputImage(data=PNG, width=4, height=4)


def _request(**overrides: Any) -> ImageRequest:
    fields: dict[str, Any] = {"operation": "generate", "model": "gpt-image-1.5", "prompt": "p", "n": 1}
    return ImageRequest(**(fields | {"size": None} | overrides))


async def _no_fetch(url: str) -> bytes:
    raise AssertionError(f"unexpected fetch of {url}")


def test_gpt_image_generation_sends_only_set_parameters() -> None:
    body = json_body(_request(quality="high", background="transparent"), legacy=False)
    assert body == {
        "model": "gpt-image-1.5",
        "prompt": "p",
        "n": 1,
        "quality": "high",
        "background": "transparent",
        "output_format": "png",
    }


def test_dalle_generation_asks_for_b64_json_and_no_gpt_parameters() -> None:
    request = _request(
        model="dall-e-3", size="1024x1792", style="natural", background="opaque", moderation="low"
    )
    body = json_body(request, legacy=True)
    assert body == {
        "model": "dall-e-3",
        "prompt": "p",
        "n": 1,
        "size": "1024x1792",
        "style": "natural",
        "response_format": "b64_json",
    }


def test_extra_fields_are_forwarded_but_cannot_override_or_stream() -> None:
    extra = {"safety_identifier": "u-1", "response_format": "url", "stream": "true", "model": "other"}
    body = json_body(_request(extra=extra), legacy=False)
    assert body["safety_identifier"] == "u-1"
    assert body["model"] == "gpt-image-1.5"
    assert "response_format" not in body
    assert "stream" not in body


def test_single_image_edit_uses_the_image_field_and_mask() -> None:
    request = _request(operation="edit", images=(PICTURE,), mask=PICTURE, output_compression=50)
    data, files = form_body(request, legacy=False)
    assert data == {
        "model": "gpt-image-1.5",
        "n": "1",
        "output_format": "png",
        "output_compression": "50",
        "prompt": "p",
    }
    assert [name for name, _ in files] == ["image", "mask"]
    assert files[0][1] == ("image-0.png", PNG, "image/png")


def test_several_images_use_repeated_image_brackets() -> None:
    data, files = form_body(_request(operation="edit", images=(PICTURE, PICTURE)), legacy=False)
    assert [name for name, _ in files] == ["image[]", "image[]"]
    assert data["prompt"] == "p"


def test_variation_has_no_prompt_and_asks_dalle_for_b64_json() -> None:
    request = _request(
        operation="variation", model="dall-e-2", prompt=None, size="256x256", images=(PICTURE,)
    )
    data, files = form_body(request, legacy=True)
    assert data == {"model": "dall-e-2", "n": "1", "size": "256x256", "response_format": "b64_json"}
    assert [name for name, _ in files] == ["image"]


@pytest.mark.parametrize(
    ("model", "legacy"), [("dall-e-2", True), ("dall-e-3", True), ("gpt-image-2", False)]
)
def test_legacy_models_are_found_by_prefix(model: str, legacy: bool) -> None:
    assert is_legacy(model, ["dall-e"]) is legacy


@pytest.mark.parametrize(("data", "expected"), [(PNG, "png"), (JPEG, "jpeg"), (WEBP, "webp")])
def test_image_format_comes_from_magic_bytes(data: bytes, expected: str) -> None:
    assert image_format(data) == expected


@pytest.mark.parametrize("data", [b"GIF89a....", b"", b"<svg/>", b"RIFF\x00\x00\x00\x00WAVE"])
def test_unknown_image_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(UpstreamError, match="not a PNG"):
        image_format(data)


async def test_parses_b64_images_revised_prompt_and_usage() -> None:
    body = {
        "created": 1,
        "data": [{"b64_json": base64.b64encode(PNG).decode(), "revised_prompt": "a calmer cat"}],
        "usage": {
            "input_tokens": 5,
            "output_tokens": 7,
            "total_tokens": 12,
            "input_tokens_details": {"text_tokens": 3, "image_tokens": 2},
        },
    }
    result = await parse_images(body, _no_fetch)
    assert result.images[0].data == PNG
    assert result.images[0].revised_prompt == "a calmer cat"
    assert result.usage == Usage(5, 7, 12, input_text_tokens=3, input_image_tokens=2)


async def test_url_items_are_fetched() -> None:
    fetched: list[str] = []

    async def fetch(url: str) -> bytes:
        fetched.append(url)
        return JPEG

    result = await parse_images({"created": 1, "data": [{"url": "https://cdn.example/x"}]}, fetch)
    assert (fetched, result.images[0].format) == (["https://cdn.example/x"], "jpeg")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"created": 1},
        {"data": []},
        {"data": "x"},
        {"data": [1]},
        {"data": [{"revised_prompt": "r"}]},
    ],
)
async def test_responses_without_images_are_bad_responses(body: Any) -> None:
    with pytest.raises(UpstreamError) as caught:
        await parse_images(body, _no_fetch)
    assert caught.value.code == "upstream_bad_response"


async def test_invalid_base64_is_a_bad_response() -> None:
    with pytest.raises(UpstreamError, match="base64"):
        await parse_images({"data": [{"b64_json": "not base64!"}]}, _no_fetch)


async def test_azure_item_filtered_on_output_is_a_policy_violation() -> None:
    item = {"content_filter_results": {"sexual": {"filtered": True, "severity": "high"}}}
    with pytest.raises(ContentPolicyViolation) as caught:
        await parse_images({"created": 1, "data": [item]}, _no_fetch)
    assert caught.value.categories == ["moderation.sexual"]


@pytest.mark.parametrize(
    "raw", [None, "x", {}, {"input_tokens": "many", "output_tokens": 1, "total_tokens": 1}]
)
def test_missing_or_malformed_usage_is_none(raw: Any) -> None:
    assert parse_usage(raw) is None
