"""Checks for the GPT-image request options: streaming, partial images, input fidelity and masks.

They follow OpenAI's per-model rules (https://platform.openai.com/docs/api-reference/images/create):
streaming and partials for GPT image models only, input fidelity not for gpt-image-2 or DALL-E,
a mask that is a PNG with an alpha channel and the first image's dimensions."""

from __future__ import annotations

import io

from PIL import Image

from limner.errors import InvalidRequestError
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import GenerationInput

STREAMING_FAMILIES = frozenset({"gpt-image", "gpt-image-2", "local"})
FIDELITY_FAMILIES = frozenset({"gpt-image", "local"})
MAX_PARTIAL_IMAGES = 3


def check_stream(spec: ModelSpec, inp: GenerationInput) -> tuple[bool, int]:
    """Whether to stream and how many partial images to send; 400 naming the parameter otherwise."""
    partials = inp.partial_images
    if partials is not None and not 0 <= partials <= MAX_PARTIAL_IMAGES:
        raise InvalidRequestError(
            f"partial_images must be between 0 and {MAX_PARTIAL_IMAGES}.", param="partial_images"
        )
    if not inp.stream:
        return False, 0
    if inp.operation == "variation":
        raise InvalidRequestError("Variations cannot be streamed.", param="stream")
    if spec.family not in STREAMING_FAMILIES:
        raise InvalidRequestError(
            f"Streaming is only supported for GPT image models, not '{spec.id}'.", param="stream"
        )
    return True, partials or 0


def check_input_fidelity(spec: ModelSpec, inp: GenerationInput) -> None:
    value = inp.input_fidelity
    if value is None:
        return
    if inp.operation != "edit" or spec.family not in FIDELITY_FAMILIES:
        raise InvalidRequestError(
            f"input_fidelity is not supported for this model or operation ('{spec.id}').",
            param="input_fidelity",
        )
    if value not in ("high", "low"):
        raise InvalidRequestError(
            f"Invalid input_fidelity '{value}'. Supported values are: high, low.", param="input_fidelity"
        )


def check_mask(inp: GenerationInput) -> None:
    """The mask edits the first image: same dimensions, and an alpha channel marking the area."""
    mask = inp.mask
    if mask is None:
        return
    if inp.operation != "edit":
        raise InvalidRequestError("A mask is only accepted by image edits.", param="mask")
    if inp.images and (mask.width, mask.height) != (inp.images[0].width, inp.images[0].height):
        first = inp.images[0]
        raise InvalidRequestError(
            f"The mask is {mask.width}x{mask.height} but the image is {first.width}x{first.height}; "
            "they must have the same dimensions.",
            param="mask",
            code="invalid_mask",
        )
    with Image.open(io.BytesIO(mask.data)) as image:  # a PNG Limner re-encoded; the header is enough
        mode = image.mode
    if mode not in ("RGBA", "LA"):
        raise InvalidRequestError(
            "The mask has no alpha channel; transparent pixels (alpha 0) mark the area to edit.",
            param="mask",
            code="invalid_mask",
        )
