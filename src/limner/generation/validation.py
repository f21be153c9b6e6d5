"""Check a request against its model family's documented rules and resolve defaults, pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from limner.errors import InvalidRequestError
from limner.generation.options import check_input_fidelity, check_mask, check_stream
from limner.imaging.catalog import FamilyRules, ModelSpec, check_size
from limner.imaging.requests import GenerationInput, ImageFormat, ImageRequest

GPT_ONLY = ("background", "output_compression", "moderation")


@dataclass(frozen=True, slots=True)
class Resolved:
    request: ImageRequest
    response_format: str
    stream: bool = False
    partial_images: int = 0


def resolve(spec: ModelSpec, inp: GenerationInput) -> Resolved:
    """Validate `inp` for `spec`; raise InvalidRequestError naming the parameter on the first problem."""
    rules = spec.rules
    _check_operation(spec, rules, inp)
    _check_prompt(rules, inp)
    n = _check_n(rules, inp.n)
    size = inp.size or rules.default_size
    check_size(rules, size)
    _check_choice("quality", inp.quality, rules.qualities)
    _check_choice("style", inp.style, rules.styles)
    response_format = _response_format(rules, inp.response_format)
    output_format = _output_format(rules, inp)
    _check_gpt_only(rules, inp)
    check_input_fidelity(spec, inp)
    check_mask(inp)
    stream, partial_images = check_stream(spec, inp)
    request = ImageRequest(
        operation=inp.operation,
        model=spec.upstream_id,
        prompt=inp.prompt,
        n=n,
        size=size,
        quality=inp.quality,
        style=inp.style,
        background=inp.background,
        output_format=output_format,
        output_compression=inp.output_compression,
        moderation=inp.moderation,
        input_fidelity=inp.input_fidelity,
        images=inp.images,
        mask=inp.mask,
    )
    return Resolved(request, response_format, stream=stream, partial_images=partial_images)


def _check_operation(spec: ModelSpec, rules: FamilyRules, inp: GenerationInput) -> None:
    if inp.operation not in rules.operations:
        raise InvalidRequestError(
            f"The model '{spec.id}' does not support image {inp.operation}s.", param="model"
        )
    if inp.operation != "generate" and not inp.images:
        raise InvalidRequestError("An image is required.", param="image")
    if len(inp.images) > rules.max_input_images:
        raise InvalidRequestError(
            f"At most {rules.max_input_images} input image(s) are allowed.", param="image"
        )


def _check_prompt(rules: FamilyRules, inp: GenerationInput) -> None:
    if inp.operation == "variation":
        return
    if inp.prompt is None or not inp.prompt.strip():
        raise InvalidRequestError("The prompt must be a non-empty string.", param="prompt")
    if len(inp.prompt) > rules.prompt_max:
        raise InvalidRequestError(
            f"The prompt is {len(inp.prompt)} characters; the maximum for this model is {rules.prompt_max}.",
            param="prompt",
            code="string_above_max_length",
        )


def _check_n(rules: FamilyRules, n: int | None) -> int:
    value = 1 if n is None else n
    if not 1 <= value <= rules.n_max:
        raise InvalidRequestError(f"n must be between 1 and {rules.n_max} for this model.", param="n")
    return value


def _check_choice(param: str, value: str | None, allowed: frozenset[str]) -> None:
    if value is not None and value not in allowed:
        options = ", ".join(sorted(allowed)) or "none (not supported by this model)"
        raise InvalidRequestError(f"Invalid {param} '{value}'. Supported values are: {options}.", param=param)


def _response_format(rules: FamilyRules, value: str | None) -> str:
    if value is None:
        return rules.default_response_format
    if not rules.response_formats:
        raise InvalidRequestError(
            "response_format is not supported for this model; it always returns b64_json.",
            param="response_format",
        )
    _check_choice("response_format", value, rules.response_formats)
    return value


def _output_format(rules: FamilyRules, inp: GenerationInput) -> ImageFormat:
    if inp.output_format is None:
        return "png"
    if not rules.output_formats:
        raise InvalidRequestError("output_format is not supported for this model.", param="output_format")
    _check_choice("output_format", inp.output_format, rules.output_formats)
    return cast(ImageFormat, inp.output_format)


def _check_gpt_only(rules: FamilyRules, inp: GenerationInput) -> None:
    for param in GPT_ONLY:
        if getattr(inp, param) is not None and not rules.output_formats:
            raise InvalidRequestError(f"{param} is not supported for this model.", param=param)
    _check_choice("background", inp.background, frozenset({"transparent", "opaque", "auto"}))
    _check_choice("moderation", inp.moderation, frozenset({"low", "auto"}))
    if inp.background == "transparent" and inp.output_format == "jpeg":
        raise InvalidRequestError(
            "Transparent backgrounds need output_format png or webp.", param="background"
        )
    compression = inp.output_compression
    if compression is not None and not 0 <= compression <= 100:
        raise InvalidRequestError("output_compression must be between 0 and 100.", param="output_compression")
