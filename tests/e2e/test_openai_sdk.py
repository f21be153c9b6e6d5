"""End-to-end tests: the official `openai` SDK, sync and async, against a live `limner serve`.

Integration twins (in-process app): tests/integration/generation/test_routes.py."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import openai
import pytest
from PIL import Image

from tests.e2e.conftest import LiveServer

CANARY = "CANARY-PROMPT-9d41c7 a quiet harbour at dawn"


def png_bytes(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def sdk(live_server: LiveServer) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=f"{live_server.base_url}/v1", api_key=live_server.api_key, max_retries=0)
    with client:  # closed after the test: a leaked socket is a ResourceWarning, an error here
        yield client


def test_sdk_generates_b64_json(sdk: openai.OpenAI) -> None:
    result = sdk.images.generate(model="limner-local", prompt=CANARY, size="256x256", n=2)
    assert len(result.data or []) == 2
    with Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json or ""))) as img:  # type: ignore[index]
        assert img.size == (256, 256)
    assert result._request_id is not None
    assert result._request_id.startswith("req_")


def test_sdk_url_response_is_served_by_limner(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    result = sdk.images.generate(model="limner-local", prompt="a kite", size="256x256", response_format="url")
    url = (result.data or [])[0].url or ""
    assert url.startswith(live_server.base_url + "/v1/images/files/")
    image = httpx.get(url)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"


def test_sdk_edit_and_variation(sdk: openai.OpenAI) -> None:
    edit = sdk.images.edit(
        model="limner-local", image=[png_bytes(), png_bytes()], prompt="make it teal", size="256x256"
    )
    assert (edit.data or [])[0].b64_json
    with pytest.warns(DeprecationWarning, match="deprecated"):
        variation = sdk.images.create_variation(model="limner-local", image=png_bytes(), size="256x256")
    assert (variation.data or [])[0].b64_json


async def test_async_sdk_generates(live_server: LiveServer) -> None:
    client = openai.AsyncOpenAI(
        base_url=f"{live_server.base_url}/v1", api_key=live_server.api_key, max_retries=0
    )
    async with client:
        result = await client.images.generate(model="limner-local", prompt="a lantern", size="256x256")
    assert (result.data or [])[0].b64_json


def test_sdk_raises_typed_errors(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.images.generate(model="limner-local", prompt="x", size="999x999")
    assert bad.value.param == "size"
    assert bad.value.request_id is not None
    with pytest.raises(openai.NotFoundError):
        sdk.with_options(max_retries=0).get("/images/files/none?expires=1&signature=x", cast_to=object)
    wrong = openai.OpenAI(base_url=f"{live_server.base_url}/v1", api_key="lmn_wrong", max_retries=0)
    with wrong, pytest.raises(openai.AuthenticationError) as auth:  # closed: a leaked socket is an error
        wrong.images.generate(model="limner-local", prompt="x")
    assert auth.value.code == "invalid_api_key"


def test_models_lists_the_catalog(sdk: openai.OpenAI) -> None:
    assert [m.id for m in sdk.models.list()] == ["limner-local"]


def test_zz_no_prompt_or_key_in_data_dir_or_logs(sdk: openai.OpenAI, live_server: LiveServer) -> None:
    """Runs last in this module: every request above used the canary prompt or the admin key."""
    sdk.images.generate(model="limner-local", prompt=CANARY, size="256x256")
    needles = [
        CANARY.encode(),
        live_server.api_key.encode(),
        live_server.admin_password.encode(),
        base64.b64encode(CANARY.encode()),
        CANARY.encode().hex().encode(),
    ]
    files = [p for p in live_server.data_dir.rglob("*") if p.is_file()] + [live_server.log_path]
    assert len(files) > 3
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle not in content, f"{needle[:12]!r} found in {path.name}"
