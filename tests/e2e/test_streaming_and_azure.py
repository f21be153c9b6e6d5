"""End-to-end tests: the official SDK's streaming calls and the AzureOpenAI client against a live
`limner serve`. Integration twins: tests/integration/generation/test_streaming.py, test_azure.py."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import openai
import pytest
from PIL import Image

from tests.e2e.conftest import LiveServer


def png_bytes(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def sdk(live_server: LiveServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=f"{live_server.base_url}/v1",
        api_key=live_server.api_key,
        max_retries=0,
        _strict_response_validation=True,
    ) as client:
        yield client


def test_sdk_streams_partials_then_the_final_image(sdk: openai.OpenAI) -> None:
    stream = sdk.images.generate(
        model="limner-local", prompt="a harbour at dawn", size="256x256", stream=True, partial_images=2
    )
    events = list(stream)
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    final = events[-1]
    assert final.type == "image_generation.completed"
    assert final.usage.total_tokens > 0
    assert (final.size, final.output_format) == ("256x256", "png")
    with Image.open(io.BytesIO(base64.b64decode(final.b64_json))) as img:
        assert img.size == (256, 256)


def test_sdk_streams_edits(sdk: openai.OpenAI) -> None:
    stream = sdk.images.edit(
        model="limner-local", image=png_bytes(), prompt="teal", size="256x256", stream=True, partial_images=1
    )
    assert [e.type for e in stream] == ["image_edit.partial_image", "image_edit.completed"]


def test_a_refused_stream_raises_the_normal_error(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.images.generate(model="limner-local", prompt="x", size="999x999", stream=True)
    assert bad.value.param == "size"


@pytest.fixture
def azure(live_server: LiveServer) -> Iterator[openai.AzureOpenAI]:
    with openai.AzureOpenAI(
        azure_endpoint=live_server.base_url,
        api_version="2025-04-01-preview",
        api_key=live_server.api_key,
        max_retries=0,
        _strict_response_validation=True,
    ) as client:
        yield client


def test_azure_client_generates_edits_and_streams(azure: openai.AzureOpenAI) -> None:
    result = azure.images.generate(model="limner-local", prompt="a lantern", size="256x256")
    assert (result.data or [])[0].b64_json
    assert result.size == "256x256"
    edit = azure.images.edit(model="limner-local", image=png_bytes(), prompt="teal", size="256x256")
    assert (edit.data or [])[0].b64_json
    events = list(
        azure.images.generate(
            model="limner-local", prompt="a kite", size="256x256", stream=True, partial_images=1
        )
    )
    assert [e.type for e in events] == ["image_generation.partial_image", "image_generation.completed"]


def test_azure_client_gets_typed_errors(azure: openai.AzureOpenAI, live_server: LiveServer) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        azure.images.generate(model="no-such-deployment", prompt="x")
    assert missing.value.code == "DeploymentNotFound"
    wrong = openai.AzureOpenAI(
        azure_endpoint=live_server.base_url,
        api_version="2025-04-01-preview",
        api_key="lmn_wrong",
        max_retries=0,
    )
    with wrong, pytest.raises(openai.AuthenticationError):  # closed: a leaked socket is an error
        wrong.images.generate(model="limner-local", prompt="x")
