"""Integration tests: the Images API through HTTP on an in-process app (unit twin: tests/unit/generation/)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.identity.keys.models import ApiKey
from limner.identity.keys.service import revoke_api_key
from limner.imaging.records import Generation, ImageRecord
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


def png(width: int = 64, height: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_generates_b64_images_in_openais_shape(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        GEN,
        headers=admin.headers,
        json={"model": "limner-local", "prompt": "a lighthouse", "size": "256x256", "n": 2},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body["created"], int)
    assert len(body["data"]) == 2
    assert set(body["data"][0]) == {"b64_json"}
    with Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"]))) as img:
        assert img.size == (256, 256)
    assert resp.headers["x-request-id"].startswith("req_")
    assert float(resp.headers["x-limner-overhead-ms"]) >= 0


async def test_url_response_serves_the_image_from_limner_until_expiry(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    resp = await client.post(GEN, headers=admin.headers, json={"model": "dall-e-3", "prompt": "a red kite"})
    item = resp.json()["data"][0]
    assert item["revised_prompt"].startswith("a red kite")
    assert item["url"].startswith("http://127.0.0.1:8000/v1/images/files/")
    path = item["url"].split("8000", 1)[1]
    image = await client.get(path)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    tampered = await client.get(path.replace("signature=", "signature=0"))
    assert tampered.status_code == 404
    assert tampered.json()["error"]["code"] == "not_found"


async def test_model_defaults_to_the_first_catalog_entry(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(GEN, headers=admin.headers, json={"prompt": "a fox", "size": "256x256"})
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "dall-e-9", "prompt": "x"}, "model", "model_not_found"),
        ({"model": "limner-local", "prompt": "x", "size": "13x13"}, "size", "invalid_request"),
        ({"model": "dall-e-3", "prompt": "x", "n": 2}, "n", "invalid_request"),
        ({"model": "limner-local", "prompt": ""}, "prompt", "invalid_request"),
        ({"model": "limner-local", "prompt": "x", "n": "two"}, "n", "invalid_type"),
        ({"model": "limner-local", "prompt": ["x"]}, "prompt", "invalid_type"),
        ({"model": "limner-local"}, "prompt", "missing_required_parameter"),
        ({"model": "limner-local", "prompt": "x", "foo": 1}, "foo", "unknown_parameter"),
        (
            {"model": "gpt-image-1.5", "prompt": "x", "response_format": "url"},
            "response_format",
            "invalid_request",
        ),
        ({"model": "dall-e-3", "prompt": "x", "stream": True}, "stream", "invalid_request"),
        ({"model": "limner-local", "prompt": "x", "partial_images": 4}, "partial_images", "invalid_request"),
    ],
)
async def test_bad_requests_get_a_400_naming_the_parameter(
    client: httpx.AsyncClient, admin: Caller, body: dict[str, object], param: str, code: str
) -> None:
    resp = await client.post(GEN, headers=admin.headers, json=body)
    assert resp.status_code == 400
    assert resp.json()["error"] == {
        **resp.json()["error"],
        "param": param,
        "code": code,
        "type": "invalid_request_error",
    }


async def test_null_fields_are_treated_as_absent(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        GEN,
        headers=admin.headers,
        json={"model": "limner-local", "prompt": "x", "n": None, "size": "256x256"},
    )
    assert resp.status_code == 200


async def test_malformed_json_is_a_400(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        GEN, headers={**admin.headers, "content-type": "application/json"}, content=b"{nope"
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_json"


async def test_oversized_json_body_is_a_413(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        GEN, headers=admin.headers, json={"model": "limner-local", "prompt": "x" * 1_100_000}
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer sk-not-ours", "Basic abc", "Bearer lmn_" + "a" * 53]
)
async def test_missing_or_wrong_key_is_a_401(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    resp = await client.post(GEN, headers=headers, json={"prompt": "x"})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"


async def test_expired_keys_are_refused(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    async with components.sessions.begin() as session:
        row = await session.get(ApiKey, admin.key_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert (await client.get("/v1/models", headers=admin.headers)).status_code == 401


async def test_revoked_keys_are_refused_at_once(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    assert (await client.get("/v1/models", headers=admin.headers)).status_code == 200
    async with components.sessions.begin() as session:
        await revoke_api_key(session, key_id=admin.key_id)
    resp = await client.get("/v1/models", headers=admin.headers)
    assert resp.status_code == 401
    assert admin.api_key not in resp.text


async def test_viewer_cannot_generate(client: httpx.AsyncClient, components: Components) -> None:
    viewer = await make_caller(components, roles=["viewer"])
    resp = await client.post(GEN, headers=viewer.headers, json={"prompt": "x"})
    assert resp.status_code == 403
    assert "images.generate" in resp.json()["error"]["message"]


async def test_key_scoped_to_one_model_lists_and_uses_only_it(
    client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"], models=["limner-local"])
    models = (await client.get("/v1/models", headers=caller.headers)).json()
    assert [m["id"] for m in models["data"]] == ["limner-local"]
    resp = await client.post(GEN, headers=caller.headers, json={"model": "dall-e-3", "prompt": "x"})
    assert resp.status_code == 403
    assert resp.json()["error"]["param"] == "model"


async def test_edits_and_variations_accept_multipart_uploads(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    files = [
        ("image[]", ("a.png", png(), "application/octet-stream")),
        ("image[]", ("b.png", png(), "image/png")),
    ]
    edit = await client.post(
        "/v1/images/edits",
        headers=admin.headers,
        files=files,
        data={"model": "limner-local", "prompt": "make it blue", "size": "256x256"},
    )
    assert edit.status_code == 200, edit.text
    var = await client.post(
        "/v1/images/variations",
        headers=admin.headers,
        files={"image": ("upload", png(), "application/octet-stream")},
        data={"model": "dall-e-2", "size": "256x256", "n": "2", "response_format": "b64_json"},
    )
    assert var.status_code == 200, var.text
    assert len(var.json()["data"]) == 2


@pytest.mark.parametrize(
    ("files", "data", "param"),
    [
        ({"image": ("a.png", b"not an image at all", "image/png")}, {"prompt": "x"}, "image"),
        ({"image": ("a.png", png()[:40], "image/png")}, {"prompt": "x"}, "image"),
        ({"mask": ("m.png", png(), "image/png")}, {"prompt": "x"}, "image"),
        ({"image": ("a.png", png(), "image/png")}, {"prompt": "x", "n": "many"}, "n"),
        ({"image": ("a.png", png(), "image/png")}, {"prompt": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_uploads_get_a_clear_400(
    client: httpx.AsyncClient,
    admin: Caller,
    files: dict[str, tuple[str, bytes, str]],
    data: dict[str, str],
    param: str,
) -> None:
    resp = await client.post(
        "/v1/images/edits", headers=admin.headers, files=files, data={"model": "limner-local", **data}
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == param


async def test_edit_needs_multipart(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post("/v1/images/edits", headers=admin.headers, json={"prompt": "x"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_content_type"


async def test_prompt_and_images_are_stored_only_encrypted_with_an_audit_trail(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    canary = "CANARY-lighthouse-7f3a"
    resp = await client.post(
        GEN,
        headers=admin.headers,
        json={"model": "limner-local", "prompt": f"{canary} at dusk", "size": "256x256"},
    )
    image_bytes = base64.b64decode(resp.json()["data"][0]["b64_json"])
    async with components.sessions() as session:
        generation = (await session.execute(select(Generation))).scalar_one()
        record = (await session.execute(select(ImageRecord))).scalar_one()
        actions = [e.action for e in (await session.execute(select(AuditEvent))).scalars()]
    assert generation.status == "completed"
    assert generation.prompt_sealed is not None
    assert canary.encode() not in generation.prompt_sealed
    assert [a for a in actions if a.startswith("image.")] == ["image.generate.requested", "image.generated"]
    blob = await components.blob_store.get(record.id)
    assert image_bytes[:64] not in blob
    for path in components.settings.data_dir.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_unknown_route_is_an_openai_shaped_404(client: httpx.AsyncClient) -> None:
    resp = await client.get("/v1/nope")
    assert resp.status_code == 404
    assert set(resp.json()["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize("content", [b"[]", b'"just a string"', b"42"])
async def test_a_body_that_is_not_an_object_is_a_clear_400(
    client: httpx.AsyncClient, admin: Caller, content: bytes
) -> None:
    resp = await client.post(
        GEN, headers={**admin.headers, "content-type": "application/json"}, content=content
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_body"


async def test_verify_without_provenance_keys_is_unavailable_not_a_500(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    resp = await client.post(
        "/v1/limner/verify", headers=admin.headers, files={"file": ("a.png", png(), "image/png")}
    )
    assert resp.status_code == 503
    assert "watermark" not in resp.text
