"""Streamed image responses from an OpenAI-shaped Images API (OpenAI's streaming events): read the server-sent
events, hand partial images on, and build the final BackendResult from the completed events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from limner.generation.backends._upstream_errors import bad_response, error_from_response, error_object
from limner.generation.backends._wire import decode_b64, image_format, parse_usage
from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.generation.backends.partials import PartialImage
from limner.imaging.requests import ImageRequest


async def read_events(response: httpx.Response, *, max_event_bytes: int) -> AsyncIterator[dict[str, Any]]:
    """Each event's JSON `data`; comments (keep-alives) and `[DONE]` are skipped."""
    data: list[str] = []
    size = 0
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            size += len(line)
            if size > max_event_bytes:
                raise bad_response("The image provider sent a stream event larger than allowed.")
            continue
        if line or not data:
            continue  # event:, id:, retry:, comments, or a blank line with nothing pending
        text, data, size = "\n".join(data), [], 0
        if text == "[DONE]":
            return
        try:
            event = json.loads(text)
        except ValueError as exc:
            raise bad_response("The image provider sent a stream event that is not JSON.") from exc
        if isinstance(event, dict):
            yield event


async def stream_images(
    response: httpx.Response, request: ImageRequest, *, max_event_bytes: int
) -> AsyncIterator[PartialImage | BackendResult]:
    """Partials as they come, then one BackendResult with every completed image."""
    images: list[GeneratedImage] = []
    usage = None
    async for event in read_events(response, max_event_bytes=max_event_bytes):
        if error_object(event) is not None:
            raise error_from_response(_as_response(response, event), redact=request.prompt)
        kind = str(event.get("type", ""))
        if kind.endswith(".partial_image") and isinstance(event.get("b64_json"), str):
            data = decode_b64(event["b64_json"])
            index = int(event.get("partial_image_index") or 0)
            yield PartialImage(len(images), index, data, image_format(data))
        elif kind.endswith(".completed") and isinstance(event.get("b64_json"), str):
            data = decode_b64(event["b64_json"])
            images.append(GeneratedImage(data=data, format=image_format(data)))
            usage = parse_usage(event.get("usage")) or usage
    if not images:
        raise bad_response("The image provider's stream ended without an image.")
    yield BackendResult(images=images, usage=usage)


def _as_response(response: httpx.Response, event: dict[str, Any]) -> httpx.Response:
    """A mid-stream error event read like an error answer (status 400 unless the body says more)."""
    return httpx.Response(400, json=event, request=response.request)
