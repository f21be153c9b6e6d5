"""Integration tests: refusals on the Images API routes, over HTTP: signed file links that die with their
owner, multipart bodies that cannot be parsed, uploads to the wrong operation. Every refusal is a 4xx in
OpenAI's error shape. Twin: tests/unit/generation/test_urls.py."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from limner.components import Components
from limner.identity.accounts.models import User
from limner.identity.accounts.service import set_status
from limner.vault.service import shred_data_key
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


def png(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 30, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def assert_openai_error(resp: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert resp.status_code == status, resp.text
    error: dict[str, object] = resp.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert {"type", "param"} <= set(error)
    return error


async def signed_path(client: httpx.AsyncClient, caller: Caller) -> str:
    resp = await client.post(
        GEN,
        headers=caller.headers,
        json={"model": "limner-local", "prompt": "a red kite", "size": "256x256", "response_format": "url"},
    )
    assert resp.status_code == 200, resp.text
    url: str = resp.json()["data"][0]["url"]
    return url.split("8000", 1)[1]


@pytest.mark.parametrize("status", ["suspended", "deprovisioned"])
async def test_a_signed_link_dies_when_its_owner_is_suspended_or_deprovisioned(
    client: httpx.AsyncClient, components: Components, admin: Caller, status: str
) -> None:
    creator = await make_caller(components, roles=["creator"])
    path = await signed_path(client, creator)
    assert (await client.get(path)).status_code == 200
    async with components.sessions.begin() as session:
        user = await session.get(User, creator.user_id)
        assert user is not None
        await set_status(session, user, status, actor_id=admin.user_id)

    assert_openai_error(await client.get(path), 404, "not_found")


async def test_a_signed_link_dies_when_its_owners_data_key_is_shredded(
    client: httpx.AsyncClient, components: Components
) -> None:
    creator = await make_caller(components, roles=["creator"])
    path = await signed_path(client, creator)
    async with components.sessions.begin() as session:
        assert await shred_data_key(session, components.key_provider, owner_id=creator.user_id)

    assert_openai_error(await client.get(path), 404, "not_found")


async def test_a_link_to_an_unknown_image_with_a_made_up_signature_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    resp = await client.get("/v1/images/files/nope", params={"expires": 4102444800, "signature": "0" * 64})
    assert_openai_error(resp, 404, "not_found")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\nnot a part\r\n"),
        ("multipart/form-data; boundary=abc", b"garbage without any boundary"),
    ],
)
async def test_an_unparseable_multipart_body_is_an_invalid_body_400_not_a_500(
    client: httpx.AsyncClient, admin: Caller, content_type: str, body: bytes
) -> None:
    resp = await client.post(
        "/v1/images/edits", headers={**admin.headers, "content-type": content_type}, content=body
    )
    error = assert_openai_error(resp, 400, "invalid_body")
    assert error["type"] == "invalid_request_error"
    assert "multipart" in str(error["message"])


@pytest.mark.parametrize("endpoint", ["/v1/images/edits", "/v1/images/variations"])
async def test_multipart_endpoints_refuse_json_with_the_content_type_code(
    client: httpx.AsyncClient, admin: Caller, endpoint: str
) -> None:
    resp = await client.post(endpoint, headers=admin.headers, json={"prompt": "x"})
    assert_openai_error(resp, 400, "invalid_content_type")


async def test_a_mask_on_a_variation_is_refused_naming_the_mask(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    resp = await client.post(
        "/v1/images/variations",
        headers=admin.headers,
        files={"image": ("a.png", png(), "image/png"), "mask": ("m.png", png(), "image/png")},
        data={"model": "dall-e-2"},
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == "mask"


async def test_a_mask_of_another_size_than_the_image_is_refused(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    resp = await client.post(
        "/v1/images/edits",
        headers=admin.headers,
        files={"image": ("a.png", png(32, 32), "image/png"), "mask": ("m.png", png(16, 16), "image/png")},
        data={"model": "limner-local", "prompt": "a hat"},
    )
    error = assert_openai_error(resp, 400, resp.json()["error"]["code"])
    assert error["param"] == "mask"
    assert "16x16" in str(error["message"])
