"""Unit tests: the request parameters are listed once (imaging.requests.REQUEST_PARAMS) and every
shape that carries a request knows each of them."""

from __future__ import annotations

from dataclasses import fields

import pytest

from limner.generation.backends._wire import RESERVED_FIELDS
from limner.generation.forms import INT_FIELDS, TEXT_FIELDS
from limner.generation.schemas import GenerationBody
from limner.imaging.requests import REQUEST_PARAMS, GenerationInput, ImageRequest

JSON_ONLY_FOR_EDITS = {"input_fidelity"}  # the JSON generations body has no input image to keep


@pytest.mark.parametrize(
    ("shape", "names"),
    [
        ("ImageRequest", {f.name for f in fields(ImageRequest)}),
        ("GenerationInput", {f.name for f in fields(GenerationInput)}),
        ("multipart form", {*TEXT_FIELDS, *INT_FIELDS}),
        ("wire reserved fields", set(RESERVED_FIELDS)),
        ("GenerationBody", {*GenerationBody.model_fields, *JSON_ONLY_FOR_EDITS}),
    ],
)
def test_every_request_shape_carries_every_parameter(shape: str, names: set[str]) -> None:
    assert set(REQUEST_PARAMS) - names == set(), shape
