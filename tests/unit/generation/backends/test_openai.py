"""Unit tests for the openai backend over httpx.MockTransport (no network).

Against the loopback fake of OpenAI: tests/integration/generation/backends/test_openai_upstream.py."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from limner.errors import UnavailableError, UpstreamError
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig
from limner.imaging.requests import ImageRequest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
KEY = "sk-vendor-secret"


class Vendor:
    """Records requests; answers image calls with one PNG and anything else with `other`."""

    def __init__(self, *, image_url: str | None = None, other: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.image_url = image_url
        self.other = other or httpx.Response(200, json={"data": []})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if "/images/" not in request.url.path:
            return self.other
        item = {"url": self.image_url} if self.image_url else {"b64_json": base64.b64encode(PNG).decode()}
        return httpx.Response(200, json={"created": 1, "data": [item]})


def _backend(vendor: Vendor, **overrides: object) -> OpenAIBackend:
    config = OpenAIConfig.model_validate({"api_key": KEY, "base_url": "https://vendor.test/v1/"} | overrides)
    return OpenAIBackend(config, transport=httpx.MockTransport(vendor.handle))


def _request(**overrides: object) -> ImageRequest:
    fields: dict[str, object] = {"operation": "generate", "model": "gpt-image-1.5", "prompt": "p", "n": 1}
    return ImageRequest(**(fields | {"size": "1024x1024"} | overrides))  # type: ignore[arg-type]


async def test_generation_posts_json_with_bearer_org_and_project() -> None:
    vendor = Vendor()
    backend = _backend(vendor, organization="org-1", project="proj-1")
    result = await backend.generate(_request())
    await backend.aclose()
    sent = vendor.requests[0]
    assert (sent.method, str(sent.url)) == ("POST", "https://vendor.test/v1/images/generations")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert (sent.headers["openai-organization"], sent.headers["openai-project"]) == ("org-1", "proj-1")
    assert sent.headers["user-agent"].startswith("limner/")
    assert json.loads(sent.content)["model"] == "gpt-image-1.5"
    assert result.images[0].data == PNG


async def test_no_organization_headers_unless_configured() -> None:
    vendor = Vendor()
    await _backend(vendor).generate(_request())
    assert "openai-organization" not in vendor.requests[0].headers
    assert "openai-project" not in vendor.requests[0].headers


@pytest.mark.parametrize(
    ("operation", "path"), [("edit", "/v1/images/edits"), ("variation", "/v1/images/variations")]
)
async def test_edits_and_variations_post_multipart(operation: str, path: str) -> None:
    from limner.imaging.requests import InputImage

    vendor = Vendor()
    image = InputImage(data=PNG, width=1, height=1)
    await _backend(vendor).generate(_request(operation=operation, model="dall-e-2", images=(image,)))
    sent = vendor.requests[0]
    assert sent.url.path == path
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="response_format"\r\n\r\nb64_json' in sent.content


async def test_url_answers_are_fetched_without_credentials() -> None:
    vendor = Vendor(image_url="https://cdn.vendor.test/img.png", other=httpx.Response(200, content=PNG))
    result = await _backend(vendor).generate(_request(model="dall-e-2"))
    fetch = vendor.requests[1]
    assert (fetch.method, str(fetch.url)) == ("GET", "https://cdn.vendor.test/img.png")
    assert "authorization" not in fetch.headers
    assert result.images[0].data == PNG


async def test_url_downloads_are_size_limited() -> None:
    big = httpx.Response(200, content=PNG + b"\x00" * 4096)
    vendor = Vendor(image_url="https://cdn.vendor.test/img.png", other=big)
    with pytest.raises(UpstreamError, match="download limit"):
        await _backend(vendor, max_download_bytes=1024).generate(_request(model="dall-e-2"))


async def test_non_http_image_urls_are_not_fetched() -> None:
    vendor = Vendor(image_url="file:///etc/passwd")
    with pytest.raises(UpstreamError, match="will not fetch"):
        await _backend(vendor).generate(_request(model="dall-e-2"))
    assert len(vendor.requests) == 1


async def test_failed_url_download_is_a_bad_response() -> None:
    vendor = Vendor(image_url="https://cdn.vendor.test/gone.png", other=httpx.Response(404))
    with pytest.raises(UpstreamError) as caught:
        await _backend(vendor).generate(_request(model="dall-e-2"))
    assert caught.value.code == "upstream_bad_response"


async def test_garbage_json_is_a_bad_response() -> None:
    def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="{nope", headers={"content-type": "application/json"})

    backend = OpenAIBackend(OpenAIConfig(api_key=SecretStr(KEY)), transport=httpx.MockTransport(garbage))
    with pytest.raises(UpstreamError) as caught:
        await backend.generate(_request())
    assert caught.value.code == "upstream_bad_response"


async def test_check_gets_models() -> None:
    vendor = Vendor()
    await _backend(vendor).check()
    assert (vendor.requests[0].method, vendor.requests[0].url.path) == ("GET", "/v1/models")


@pytest.mark.parametrize(("status", "match"), [(401, "credentials"), (500, "HTTP 500")])
async def test_check_raises_unavailable(status: int, match: str) -> None:
    vendor = Vendor(other=httpx.Response(status, json={"error": {"message": KEY}}))
    with pytest.raises(UnavailableError, match=match) as caught:
        await _backend(vendor).check()
    assert KEY not in caught.value.message


async def test_check_raises_unavailable_when_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    backend = OpenAIBackend(OpenAIConfig(api_key=SecretStr(KEY)), transport=httpx.MockTransport(refuse))
    with pytest.raises(UnavailableError, match="unreachable"):
        await backend.check()


def test_config_defaults_and_secret() -> None:
    config = OpenAIConfig(api_key=SecretStr(KEY))
    assert (config.kind, config.base_url, config.max_retries) == ("openai", "https://api.openai.com/v1", 2)
    assert (config.connect_timeout_s, config.read_timeout_s) == (5.0, 600.0)
    assert KEY not in repr(config)


@pytest.mark.parametrize(
    "overrides", [{}, {"base_url": "ftp://x"}, {"kind": "azure_openai"}, {"max_retries": -1}]
)
def test_config_rejects_bad_values(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OpenAIConfig.model_validate(({"api_key": KEY} if overrides else {}) | overrides)
