"""The Images API wire format: bodies as the official SDK sends them; ImagesResponse parsing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from limner.generation.backends._upstream_errors import (
    bad_response,
    filtered_categories,
    policy_violation,
)
from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.imaging.requests import REQUEST_PARAMS, ImageFormat, ImageRequest, InputImage, Usage

Fetch = Callable[[str], Awaitable[bytes]]
FilePart = tuple[str, tuple[str, bytes, str]]
# Fields Limner sets itself; request.extra may not override them (e.g. ask for URLs or a stream).
RESERVED_FIELDS = frozenset(
    {"model", "prompt", "user", *REQUEST_PARAMS, "response_format", "stream", "partial_images",
     "image", "image[]", "mask"}
)  # fmt: skip


def is_legacy(model: str, prefixes: list[str]) -> bool:
    """DALL-E models take response_format and no GPT-image parameters."""
    return any(model.startswith(prefix) for prefix in prefixes)


def json_body(request: ImageRequest, *, legacy: bool) -> dict[str, Any]:
    """The /images/generations JSON body, with only the parameters that are set."""
    fields: dict[str, Any] = {
        "model": request.model,
        "prompt": request.prompt,
        "n": request.n,
        "size": request.size,
        "quality": request.quality,
        "style": request.style,
        "user": request.user,
    }
    fields |= _format_fields(request, legacy=legacy)
    if not legacy:
        fields |= {"background": request.background, "moderation": request.moderation}
    return _extra(request) | {key: value for key, value in fields.items() if value is not None}


def form_body(request: ImageRequest, *, legacy: bool) -> tuple[dict[str, str], list[FilePart]]:
    """The multipart fields and files of /images/edits or /images/variations."""
    fields: dict[str, Any] = {"model": request.model, "n": request.n, "size": request.size}
    fields["user"] = request.user
    fields |= _format_fields(request, legacy=legacy)
    if request.operation == "edit":
        fields |= {"prompt": request.prompt, "quality": request.quality}
        if not legacy:
            fields["background"] = request.background
            fields["input_fidelity"] = request.input_fidelity
    data = _extra(request) | {key: str(value) for key, value in fields.items() if value is not None}
    return data, _files(request)


def _format_fields(request: ImageRequest, *, legacy: bool) -> dict[str, Any]:
    if legacy:  # ask for the bytes inline so the default path never fetches vendor URLs
        return {"response_format": "b64_json"}
    if request.operation == "variation":
        return {}
    return {
        "output_format": request.output_format,
        "output_compression": request.output_compression,
    }


def _files(request: ImageRequest) -> list[FilePart]:
    # The SDK's shape: one image as `image`, several as repeated `image[]`.
    name = "image" if len(request.images) == 1 else "image[]"
    files = [(name, _png(f"image-{i}.png", image)) for i, image in enumerate(request.images)]
    if request.mask is not None:
        files.append(("mask", _png("mask.png", request.mask)))
    return files


def _png(filename: str, image: InputImage) -> tuple[str, bytes, str]:
    return (filename, image.data, "image/png")


def _extra(request: ImageRequest) -> dict[str, str]:
    return {key: value for key, value in request.extra.items() if key not in RESERVED_FIELDS}


async def parse_images(body: Any, fetch: Fetch) -> BackendResult:
    """Read an ImagesResponse: b64_json (or url, fetched), revised_prompt and usage."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        raise bad_response("The image provider's response held no images.")
    images = [await _image(item, fetch) for item in data]
    return BackendResult(images=images, usage=parse_usage(body.get("usage")))


async def _image(item: dict[str, Any], fetch: Fetch) -> GeneratedImage:
    if isinstance(item.get("b64_json"), str):
        data = decode_b64(item["b64_json"])
    elif isinstance(item.get("url"), str):
        data = await fetch(item["url"])
    elif categories := filtered_categories(item):
        # Azure drops a filtered output image and only annotates the item.
        raise policy_violation({"code": "content_filter", "safety_violations": categories})
    else:
        raise bad_response("The image provider returned an item without image data.")
    revised = item.get("revised_prompt")
    return GeneratedImage(
        data=data,
        format=image_format(data),
        revised_prompt=revised if isinstance(revised, str) else None,
    )


def decode_b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_response("The image provider returned invalid base64 image data.") from exc


def image_format(data: bytes) -> ImageFormat:
    """Trust the bytes, not the vendor's labels."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise bad_response("The image provider returned data that is not a PNG, JPEG or WebP image.")


def parse_usage(raw: Any) -> Usage | None:
    """Token usage for GPT image models; None when absent or malformed (DALL-E sends none)."""
    if not isinstance(raw, dict):
        return None
    details = raw.get("input_tokens_details")
    details = details if isinstance(details, dict) else {}
    try:
        return Usage(
            input_tokens=int(raw["input_tokens"]),
            output_tokens=int(raw["output_tokens"]),
            total_tokens=int(raw["total_tokens"]),
            input_text_tokens=int(details.get("text_tokens", 0)),
            input_image_tokens=int(details.get("image_tokens", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None
