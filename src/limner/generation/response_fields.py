"""The fields a GPT-image response carries besides the images: size, quality, output_format,
background and usage, resolved for every model (never "auto", as the SDK's strict mode requires).

Values come from the delivered image itself where they can (its dimensions and alpha channel), so
the response says what the caller got. Backends that report no token usage (limner-local,
diffusers, DALL-E) get an estimate in gpt-image-1's units: about 4 characters of prompt per text
token, 85 + 170 per 512-pixel tile of each input image, and per output image the published
1024x1024 token counts for its quality (low 272, medium 1056, high 4160) scaled by its area."""

from __future__ import annotations

import io
import math
from typing import Any

from PIL import Image

from limner.imaging.requests import ImageRequest, Usage

OUTPUT_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 4160, "max": 4160}
QUALITY_NAMES = {"standard": "medium", "hd": "high", "auto": "high"}
SQUARE = 1024 * 1024


def resolved_quality(quality: str | None) -> str:
    """The quality reported back: GPT names only ("standard" → medium, "hd" and "auto" → high)."""
    if quality is None:
        return "high"
    return QUALITY_NAMES.get(quality, quality)


def image_facts(data: bytes) -> tuple[str, str]:
    """(size "WxH", background) read from the image header: nothing is decoded."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return f"{width}x{height}", "transparent" if alpha else "opaque"


def response_fields(params: dict[str, Any], first_image: bytes | None, fmt: str) -> dict[str, Any]:
    """size, quality, output_format and background of a response, from the first delivered image."""
    fields: dict[str, Any] = {"quality": resolved_quality(params.get("quality")), "output_format": fmt}
    if first_image is not None:
        fields["size"], fields["background"] = image_facts(first_image)
    return fields


def usage_body(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "input_tokens_details": {
            "text_tokens": usage.input_text_tokens,
            "image_tokens": usage.input_image_tokens,
        },
    }


def estimate_usage(request: ImageRequest, outputs: list[tuple[int, int]]) -> Usage:
    """Token usage in gpt-image-1's units for a backend that reports none (see the module notes)."""
    text = math.ceil(len(request.prompt or "") / 4)
    image_in = sum(_image_tokens(image.width, image.height) for image in request.images)
    per_square = OUTPUT_TOKENS_1024.get(resolved_quality(request.quality), OUTPUT_TOKENS_1024["high"])
    output = sum(math.ceil(per_square * width * height / SQUARE) for width, height in outputs)
    return Usage(
        input_tokens=text + image_in,
        output_tokens=output,
        total_tokens=text + image_in + output,
        input_text_tokens=text,
        input_image_tokens=image_in,
    )


def _image_tokens(width: int, height: int) -> int:
    tiles = math.ceil(width / 512) * math.ceil(height / 512)
    return 85 + 170 * tiles
