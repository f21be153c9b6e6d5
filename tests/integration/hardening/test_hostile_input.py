"""Hostile input through HTTP: every case is a clean 4xx in OpenAI's error shape, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from limner.components import Components
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


def _error(resp: httpx.Response) -> dict[str, object]:
    body = resp.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, object] = body["error"]
    return error


async def test_lone_surrogate_in_prompt_is_400(client: httpx.AsyncClient, admin: Caller) -> None:
    raw = b'{"model": "limner-local", "prompt": "a cat \\ud800 on a mat", "size": "256x256"}'
    resp = await client.post(GEN, headers={**admin.headers, "content-type": "application/json"}, content=raw)
    assert resp.status_code == 400
    assert _error(resp)["param"] == "prompt"


async def test_lone_surrogate_in_other_text_fields_is_400(client: httpx.AsyncClient, admin: Caller) -> None:
    raw = b'{"model": "limner-local", "prompt": "a cat", "user": "\\udfff"}'
    resp = await client.post(GEN, headers={**admin.headers, "content-type": "application/json"}, content=raw)
    assert resp.status_code == 400
    assert _error(resp)["param"] == "user"


async def test_non_ascii_signature_on_public_image_url_is_404(client: httpx.AsyncClient) -> None:
    resp = await client.get("/v1/images/files/img_x", params={"expires": "9999999999", "signature": "é" * 64})
    assert resp.status_code == 404
    assert _error(resp)["code"] == "not_found"


async def test_huge_audit_cursor_is_400(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.get("/v1/limner/audit/events", params={"cursor": str(10**23)}, headers=admin.headers)
    assert resp.status_code == 400
    assert _error(resp)["param"] == "cursor"


async def test_n_must_be_a_real_integer(client: httpx.AsyncClient, admin: Caller) -> None:
    for n in ("2", True, 2.5):
        resp = await client.post(
            GEN, headers=admin.headers, json={"model": "limner-local", "prompt": "a cat", "n": n}
        )
        assert resp.status_code == 400, n
        assert _error(resp)["param"] == "n"


async def test_chunked_json_body_over_the_limit_is_413(
    client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    limit = components.settings.server.max_json_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"model": "limner-local", "prompt": "'
        for _ in range(limit // 4096 + 2):
            yield b"a" * 4096
        yield b'"}'

    resp = await client.post(
        GEN, headers={**caller.headers, "content-type": "application/json"}, content=chunks()
    )
    assert resp.status_code == 413
    assert _error(resp)["code"] == "payload_too_large"
