"""Unit tests: the multipart form of /v1/images/edits and /variations parsed into a GenerationInput, each
wrong field refused by name; and build_backend making the backend each config kind names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pydantic import SecretStr
from starlette.datastructures import FormData, Headers, UploadFile

from limner.errors import ConfigError, InvalidRequestError, PayloadTooLargeError
from limner.generation.backends import BackendConfig, build_backend
from limner.generation.backends.azure_openai import AzureOpenAIBackend, AzureOpenAIConfig
from limner.generation.backends.diffusers import DiffusersConfig
from limner.generation.backends.fake import FakeBackend, FakeConfig
from limner.generation.backends.local import LocalBackend, LocalConfig
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig
from limner.generation.forms import parse_form
from limner.imaging.requests import Operation

MAX = 1_000_000


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes, name: str = "a.png") -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=name, headers=Headers({"content-type": "image/png"}))


async def test_a_full_edit_form_becomes_a_generation_input() -> None:
    form = FormData(
        [
            ("image", upload(image_bytes())),
            ("image[]", upload(image_bytes("JPEG"), "b.jpg")),
            ("mask", upload(image_bytes())),
            ("prompt", "add a kite"),
            ("model", "gpt-image-1"),
            ("n", "2"),
            ("output_compression", "50"),
            ("stream", "true"),
            ("partial_images", "1"),
            ("size", "1024x1024"),
        ]
    )
    parsed = await parse_form(form, operation="edit", max_bytes=MAX)
    assert (parsed.prompt, parsed.model, parsed.n, parsed.size) == (
        "add a kite",
        "gpt-image-1",
        2,
        "1024x1024",
    )
    assert (parsed.stream, parsed.partial_images, parsed.output_compression) == (True, 1, 50)
    assert [(i.width, i.height) for i in parsed.images] == [(16, 16), (16, 16)]
    assert parsed.mask is not None
    assert parsed.images[1].data.startswith(b"\x89PNG")  # every upload is re-encoded as PNG


async def test_absent_fields_stay_unset() -> None:
    parsed = await parse_form(
        FormData([("image", upload(image_bytes()))]), operation="variation", max_bytes=MAX
    )
    assert (parsed.prompt, parsed.n, parsed.stream, parsed.mask) == (None, None, None, None)


@pytest.mark.parametrize(
    ("fields", "operation", "param", "message"),
    [
        ([("colour", "red")], "edit", "colour", "Unrecognized request argument supplied: colour"),
        ([("image", "not-a-file")], "edit", "image", "'image' must be a file upload."),
        ([("mask", upload(image_bytes("JPEG")))], "edit", "mask", "The 'mask' must be a PNG image."),
        ([("prompt", upload(b"text"))], "edit", "prompt", "'prompt' must be a text field, not a file."),
        ([("n", "many")], "edit", "n", "'n' must be an integer."),
        ([("stream", "yes")], "edit", "stream", "'stream' must be true or false."),
        ([("prompt", "make it blue")], "variation", "prompt", "Variations take no prompt."),
    ],
    ids=[
        "unknown",
        "image-as-text",
        "jpeg-mask",
        "prompt-as-file",
        "n-in-words",
        "stream-yes",
        "variation-prompt",
    ],
)
async def test_a_wrong_field_is_refused_by_name(
    fields: list[tuple[str, str | UploadFile]], operation: Operation, param: str, message: str
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        await parse_form(FormData(fields), operation=operation, max_bytes=MAX)
    assert (raised.value.param, raised.value.message) == (param, message)


async def test_an_upload_over_the_limit_is_refused() -> None:
    form = FormData([("image", upload(image_bytes()))])
    with pytest.raises(
        PayloadTooLargeError, match=r"The file in 'image' is larger than 20 bytes\."
    ) as raised:
        await parse_form(form, operation="edit", max_bytes=20)
    assert raised.value.param == "image"


@pytest.mark.parametrize(
    ("config", "backend"),
    [
        (LocalConfig(), LocalBackend),
        (FakeConfig(), FakeBackend),
        (OpenAIConfig(api_key=SecretStr("sk-test")), OpenAIBackend),
        (
            AzureOpenAIConfig(endpoint="https://res.openai.azure.com", api_key=SecretStr("k")),
            AzureOpenAIBackend,
        ),
    ],
    ids=["local", "fake", "openai", "azure"],
)
def test_each_config_kind_builds_its_backend(config: BackendConfig, backend: type) -> None:
    assert isinstance(build_backend(config), backend)


def test_a_diffusers_backend_without_its_stack_or_pipeline_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        build_backend(DiffusersConfig(model_path=tmp_path / "missing"))
