"""Unit tests: reading a vendor's server-sent image stream — keep-alives and `[DONE]` skipped, multi-line
data joined, oversized or non-JSON events refused, partials handed on in order, the completed images
and usage collected, and an error event mid-stream mapped like an error answer."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from limner.errors import ContentPolicyViolation, LimnerError, UpstreamError
from limner.generation.backends._sse import read_events, stream_images
from limner.generation.backends.base import BackendResult
from limner.generation.backends.partials import PartialImage
from limner.imaging.requests import ImageRequest, Usage

REQUEST = ImageRequest(
    operation="generate", model="gpt-image-1", prompt="a quiet harbour", n=1, size="256x256"
)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def stream(text: str) -> httpx.Response:
    return httpx.Response(
        200, content=text.encode(), request=httpx.Request("POST", "https://api.vendor.test/v1/images")
    )


def sse(*events: dict[str, Any] | str) -> str:
    return "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)


async def events_of(text: str, max_event_bytes: int = 10_000) -> list[dict[str, Any]]:
    return [event async for event in read_events(stream(text), max_event_bytes=max_event_bytes)]


async def items_of(text: str) -> list[PartialImage | BackendResult]:
    return [item async for item in stream_images(stream(text), REQUEST, max_event_bytes=1_000_000)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (': keep-alive\n\nevent: x\nid: 1\ndata: {"a": 1}\n\n', [{"a": 1}]),
        ('data: {"a":\ndata: 2}\n\n', [{"a": 2}]),
        ('data:{"tight": true}\n\n', [{"tight": True}]),
        ('data: {"a": 1}\n\ndata: [DONE]\n\ndata: {"after": 1}\n\n', [{"a": 1}]),
        ('data: [1, 2]\n\ndata: "text"\n\ndata: {"b": 2}\n\n', [{"b": 2}]),
        ("\n\n\n", []),
        ('data: {"unterminated": 1}\n', []),
    ],
    ids=["comments-and-fields", "multi-line", "no-space", "done", "non-objects", "blank", "unterminated"],
)
async def test_events_are_the_json_objects_of_complete_data_blocks(
    text: str, expected: list[dict[str, Any]]
) -> None:
    assert await events_of(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "message"),
    [
        ("data: {not json}\n\n", 10_000, "not JSON"),
        ("data: " + "x" * 200 + "\n\n", 100, "larger than allowed"),
    ],
)
async def test_a_broken_or_oversized_event_is_a_bad_upstream_response(
    text: str, limit: int, message: str
) -> None:
    with pytest.raises(UpstreamError, match=message) as raised:
        await events_of(text, limit)
    assert raised.value.code == "upstream_bad_response"


async def test_partials_come_in_order_then_one_result_with_every_image_and_the_usage() -> None:
    image = png()
    usage = {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_tokens_details": {"text_tokens": 5},
    }
    text = sse(
        {"type": "image_generation.partial_image", "b64_json": b64(image), "partial_image_index": 0},
        {"type": "image_generation.partial_image", "b64_json": b64(image), "partial_image_index": 1},
        {"type": "image_generation.completed", "b64_json": b64(image), "usage": usage},
        {"type": "image_generation.completed", "b64_json": b64(image)},
        {"type": "image_generation.unknown_kind"},
        "[DONE]",
    )
    items = await items_of(text)
    partials = [item for item in items if isinstance(item, PartialImage)]
    assert [(p.index, p.partial_index, p.format) for p in partials] == [(0, 0, "png"), (0, 1, "png")]
    result = items[-1]
    assert isinstance(result, BackendResult)
    assert [generated.data for generated in result.images] == [image, image]
    assert result.usage == Usage(input_tokens=5, output_tokens=7, total_tokens=12, input_text_tokens=5)


async def test_a_stream_that_ends_without_an_image_is_a_bad_response() -> None:
    text = sse({"type": "image_generation.partial_image", "b64_json": b64(png())}, "[DONE]")
    with pytest.raises(UpstreamError, match="ended without an image"):
        await items_of(text)


async def test_an_error_event_mid_stream_is_mapped_without_the_prompt() -> None:
    error = {"error": {"message": "a quiet harbour failed upstream", "type": "server_error", "code": "boom"}}
    with pytest.raises(LimnerError) as raised:
        await items_of(sse({"type": "image_generation.partial_image", "b64_json": b64(png())}, error))
    assert "a quiet harbour" not in raised.value.message


async def test_a_policy_error_event_is_a_content_policy_violation() -> None:
    error = {"error": {"message": "blocked", "type": "invalid_request_error", "code": "moderation_blocked"}}
    with pytest.raises(ContentPolicyViolation):
        await items_of(sse(error))
