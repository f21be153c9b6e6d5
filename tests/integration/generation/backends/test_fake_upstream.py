"""Integration tests of the loopback fake itself: it validates and answers the way the vendor does.

The backends' tests against it: test_openai_upstream.py and test_azure_upstream.py beside this file."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.fakes.openai_upstream import FakeUpstreamState, serve_fake_upstream


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def _post(upstream: tuple[str, FakeUpstreamState], path: str, **kwargs: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {upstream[1].api_key}"}
    return httpx.post(f"{upstream[0]}{path}", headers=headers, **kwargs)


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "gpt-image-1.5"}, "prompt", "missing_required_parameter"),
        ({"model": "dall-e-3", "prompt": "p", "n": 2}, "n", "invalid_value"),
        ({"model": "dall-e-3", "prompt": "p", "size": "256x256"}, "size", "invalid_value"),
        (
            {"model": "gpt-image-1.5", "prompt": "p", "response_format": "url"},
            "response_format",
            "unknown_parameter",
        ),
        ({"model": "dall-e-2", "prompt": "p", "output_format": "png"}, "output_format", "unknown_parameter"),
        ({"model": "gpt-image-1.5", "prompt": "p", "size": "1536x864"}, "size", "invalid_value"),
        ({"model": "no-such-model", "prompt": "p"}, "model", "invalid_value"),
    ],
)
def test_generation_validation_matches_the_vendor(
    upstream: tuple[str, FakeUpstreamState], body: dict[str, Any], param: str, code: str
) -> None:
    response = _post(upstream, "/images/generations", json=body)
    assert response.status_code == 400
    assert response.json()["error"] | {"message": "m"} == {
        "message": "m", "type": "invalid_request_error", "param": param, "code": code,
    }  # fmt: skip


def test_gpt_image_2_accepts_sizes_divisible_by_16(upstream: tuple[str, FakeUpstreamState]) -> None:
    response = _post(
        upstream, "/images/generations", json={"model": "gpt-image-2", "prompt": "p", "size": "1536x864"}
    )
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    assert Image.open(io.BytesIO(data)).size == (1536, 864)
    assert response.json()["size"] == "1536x864"
    assert response.headers["x-request-id"]


def test_gpt_image_answer_reports_resolved_values(upstream: tuple[str, FakeUpstreamState]) -> None:
    body = _post(
        upstream, "/images/generations", json={"model": "gpt-image-1.5", "prompt": "p", "size": "auto"}
    ).json()
    assert (body["quality"], body["background"], body["size"]) == ("medium", "opaque", "1024x1024")
    assert "revised_prompt" not in body["data"][0]


def test_dalle_defaults_to_url_answers_served_by_the_fake(upstream: tuple[str, FakeUpstreamState]) -> None:
    body = _post(
        upstream, "/images/generations", json={"model": "dall-e-2", "prompt": "p", "size": "256x256"}
    ).json()
    image = httpx.get(body["data"][0]["url"])
    assert Image.open(io.BytesIO(image.content)).size == (256, 256)


@pytest.mark.parametrize(
    ("files", "data", "param"),
    [
        ([("image", ("a.png", _png(32, 16), "image/png"))], {"model": "dall-e-2", "prompt": "p"}, "image"),
        ([("image", ("a.png", _png(32, 32), "image/png")), ("mask", ("m.png", _png(16, 16), "image/png"))],
         {"model": "gpt-image-1.5", "prompt": "p"}, "mask"),
        ([("image", ("a.png", b"not an image", "image/png"))], {"model": "gpt-image-1.5", "prompt": "p"},
         "image"),
        ([], {"model": "gpt-image-1.5", "prompt": "p", "n": "1"}, "image"),
    ],
)  # fmt: skip
def test_edit_validation_matches_the_vendor(
    upstream: tuple[str, FakeUpstreamState], files: list[Any], data: dict[str, str], param: str
) -> None:
    response = _post(upstream, "/images/edits", data=data, files=files or None)
    assert (response.status_code, response.json()["error"]["param"]) == (400, param)


def test_wrong_key_gets_the_openai_401_body(upstream: tuple[str, FakeUpstreamState]) -> None:
    response = httpx.post(f"{upstream[0]}/images/generations", json={}, headers={"authorization": "Bearer x"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (
            "/openai/deployments/gptimage/images/generations",
            {"api-key": "fake-azure-key"},
            404,
        ),  # no api-version
        ("/openai/deployments/gptimage/images/generations?api-version=1", {"api-key": "nope"}, 401),
        ("/openai/deployments/missing/images/generations?api-version=1", {"api-key": "fake-azure-key"}, 404),
    ],
)
def test_azure_routing_and_auth(
    upstream: tuple[str, FakeUpstreamState], path: str, headers: dict[str, str], status: int
) -> None:
    response = httpx.post(upstream[1].azure_endpoint + path, json={"prompt": "p"}, headers=headers)
    assert response.status_code == status
    assert "message" in response.json()["error"]


def test_azure_refuses_webp(upstream: tuple[str, FakeUpstreamState]) -> None:
    path = "/openai/deployments/gptimage/images/generations?api-version=1"
    body = {"prompt": "p", "output_format": "webp"}
    response = httpx.post(upstream[1].azure_endpoint + path, json=body, headers={"api-key": "fake-azure-key"})
    assert (response.status_code, response.json()["error"]["param"]) == (400, "output_format")


def test_faults_play_in_order_then_normal_service_resumes(upstream: tuple[str, FakeUpstreamState]) -> None:
    upstream[1].add_fault("http_503", times=2, retry_after="1")
    body = {"model": "gpt-image-1.5", "prompt": "p"}
    statuses = [_post(upstream, "/images/generations", json=body) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["retry-after"] == "1"
    assert len(upstream[1].image_requests()) == 3


def test_each_served_fake_has_its_own_port_and_state() -> None:
    with serve_fake_upstream() as (first_url, first), serve_fake_upstream() as (second_url, second):
        assert first_url != second_url
        assert first is not second
        assert first_url.endswith("/v1")
        assert first.azure_endpoint == first_url.removesuffix("/v1")
