"""Unit tests: each model family's documented parameter rules.

Integration twin: tests/integration/generation/test_routes.py."""

from __future__ import annotations

from typing import Any

import pytest

from limner.errors import InvalidRequestError
from limner.generation.validation import resolve
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import GenerationInput, InputImage

SPECS = {
    family: ModelSpec(id=family, backend="b", family=family)
    for family in ("dall-e-2", "dall-e-3", "gpt-image", "gpt-image-2", "local")
}
IMAGE = InputImage(data=b"png", width=4, height=4)


def inp(**overrides: Any) -> GenerationInput:
    values: dict[str, Any] = {"operation": "generate", "model": None, "prompt": "a lighthouse at dusk"}
    values.update(overrides)
    return GenerationInput(**values)


@pytest.mark.parametrize(
    ("family", "overrides", "param"),
    [
        ("dall-e-3", {"n": 2}, "n"),
        ("dall-e-3", {"size": "512x512"}, "size"),
        ("dall-e-3", {"quality": "high"}, "quality"),
        ("dall-e-3", {"style": "anime"}, "style"),
        ("dall-e-3", {"prompt": "x" * 4001}, "prompt"),
        ("dall-e-3", {"operation": "edit", "images": (IMAGE,)}, "model"),
        ("dall-e-3", {"background": "transparent"}, "background"),
        ("dall-e-3", {"output_format": "webp"}, "output_format"),
        ("dall-e-2", {"prompt": "x" * 1001}, "prompt"),
        ("dall-e-2", {"n": 11}, "n"),
        ("dall-e-2", {"quality": "hd"}, "quality"),
        ("dall-e-2", {"size": "1792x1024"}, "size"),
        ("gpt-image", {"response_format": "url"}, "response_format"),
        ("gpt-image", {"size": "1792x1024"}, "size"),
        ("gpt-image", {"quality": "hd"}, "quality"),
        ("gpt-image", {"output_format": "gif"}, "output_format"),
        ("gpt-image", {"output_compression": 101, "output_format": "jpeg"}, "output_compression"),
        ("gpt-image", {"background": "transparent", "output_format": "jpeg"}, "background"),
        ("gpt-image", {"operation": "variation", "images": (IMAGE,), "prompt": None}, "model"),
        ("gpt-image-2", {"size": "1000x1000"}, "size"),
        ("gpt-image-2", {"size": "4096x1024"}, "size"),
        ("gpt-image-2", {"size": "3200x800"}, "size"),
        ("local", {"prompt": "   "}, "prompt"),
        ("local", {"prompt": None}, "prompt"),
        ("local", {"n": 0}, "n"),
        ("dall-e-3", {"stream": True}, "stream"),
        ("local", {"operation": "variation", "images": (IMAGE,), "prompt": None, "stream": True}, "stream"),
        ("gpt-image", {"partial_images": 4}, "partial_images"),
        (
            "gpt-image-2",
            {"operation": "edit", "images": (IMAGE,), "input_fidelity": "high"},
            "input_fidelity",
        ),
        ("gpt-image", {"operation": "edit", "images": (IMAGE,), "input_fidelity": "max"}, "input_fidelity"),
        ("gpt-image", {"input_fidelity": "high"}, "input_fidelity"),
        ("local", {"operation": "edit"}, "image"),
        ("local", {"operation": "edit", "images": (IMAGE,) * 5}, "image"),
    ],
)
def test_refuses_what_the_family_cannot_serve(family: str, overrides: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        resolve(SPECS[family], inp(**overrides))
    assert caught.value.param == param
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("family", "overrides", "size", "response_format", "n"),
    [
        ("dall-e-3", {}, "1024x1024", "url", 1),
        ("dall-e-3", {"size": "1792x1024", "quality": "hd", "style": "natural"}, "1792x1024", "url", 1),
        ("dall-e-2", {"n": 10, "size": "256x256", "response_format": "b64_json"}, "256x256", "b64_json", 10),
        (
            "gpt-image",
            {"size": "1536x1024", "quality": "high", "background": "transparent"},
            "1536x1024",
            "b64_json",
            1,
        ),
        ("gpt-image", {}, "auto", "b64_json", 1),
        ("gpt-image-2", {"size": "1536x864"}, "1536x864", "b64_json", 1),
        ("gpt-image-2", {"size": "3840x2160"}, "3840x2160", "b64_json", 1),
        ("local", {"n": 4, "response_format": "url"}, "1024x1024", "url", 4),
        ("local", {"operation": "variation", "images": (IMAGE,), "prompt": None}, "1024x1024", "b64_json", 1),
    ],
)
def test_resolves_defaults_for_valid_requests(
    family: str, overrides: dict[str, Any], size: str, response_format: str, n: int
) -> None:
    resolved = resolve(SPECS[family], inp(**overrides))
    assert (resolved.request.size, resolved.response_format, resolved.request.n) == (size, response_format, n)
    assert resolved.request.model == family


def test_upstream_model_id_is_sent_upstream() -> None:
    spec = ModelSpec(
        id="marketing-images", backend="b", family="dall-e-3", upstream_model="my-dalle3-deployment"
    )
    assert resolve(spec, inp()).request.model == "my-dalle3-deployment"


def test_streaming_resolves_partials_and_input_fidelity_goes_upstream() -> None:
    resolved = resolve(SPECS["gpt-image"], inp(stream=True, partial_images=2))
    assert (resolved.stream, resolved.partial_images) == (True, 2)
    edit = resolve(SPECS["gpt-image"], inp(operation="edit", images=(IMAGE,), input_fidelity="high"))
    assert edit.request.input_fidelity == "high"
