"""Integration tests: POST /v1/limner/verify over HTTP — what the record adds to a report, who sees
the creator, and clear 4xx errors for uploads that are not an image in the field 'file'.

Unit twin: tests/unit/provenance/test_verify.py (the verification logic on files)."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from limner.components import Components, build_components
from limner.identity.keys.tokens import pseudonym
from limner.main import create_app
from limner.provenance.devca import create_dev_ca
from limner.provenance.watermarks import create_watermark_key
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

VERIFY = "/v1/limner/verify"
MAX_BYTES = 2_000_000


@dataclass
class Stack:
    c: Components
    client: httpx.AsyncClient
    admin: Caller
    image: bytes  # one generated, signed and watermarked image


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    data_dir = tmp_path / "data"
    create_dev_ca(data_dir / "provenance", org="Test CA")
    create_watermark_key(data_dir / "provenance")
    settings = make_settings(
        data_dir,
        provenance={
            "enabled": True,
            "signer": {"trust_anchor_path": "provenance/ca-cert.pem"},
            "max_bytes": MAX_BYTES,
        },
    )
    c = build_components(settings)
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        admin = await make_caller(c, roles=["admin"])
        resp = await client.post(
            "/v1/images/generations", headers=admin.headers, json={"prompt": "a quay", "size": "256x256"}
        )
        assert resp.status_code == 200, resp.text
        yield Stack(c, client, admin, base64.b64decode(resp.json()["data"][0]["b64_json"]))
    await c.aclose()


async def upload(stack: Stack, caller: Caller, data: bytes) -> httpx.Response:
    return await stack.client.post(
        VERIFY, headers=caller.headers, files={"file": ("x.png", data, "image/png")}
    )


async def test_an_auditor_sees_the_creators_pseudonym_from_the_record(stack: Stack) -> None:
    auditor = await make_caller(stack.c, roles=["auditor"])
    report = (await upload(stack, auditor, stack.image)).json()
    assert report["ours"] is True
    assert report["creator"] == pseudonym(stack.c.secret_key, stack.admin.user_id)
    assert report["model"] == "limner-local"
    assert len(report["image_id"]) == 32


@pytest.mark.parametrize("role", ["viewer", "reviewer", "creator"])
async def test_callers_without_audit_read_never_see_the_creator(stack: Stack, role: str) -> None:
    caller = await make_caller(stack.c, roles=[role])
    report = (await upload(stack, caller, stack.image)).json()
    assert (report["ours"], report["creator"]) == (True, None)


async def test_a_re_encoded_copy_is_resolved_to_the_full_record_by_its_watermark(stack: Stack) -> None:
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(stack.image)) as img:
        img.convert("RGB").save(buffer, "JPEG", quality=90)
    report = (await upload(stack, stack.admin, buffer.getvalue())).json()
    original = (await upload(stack, stack.admin, stack.image)).json()
    assert report["c2pa"]["present"] is False
    assert report["watermark"]["found"] is True
    assert report["image_id"] == original["image_id"]  # the 12-digit mark resolved to the full id
    assert report["policy_version"] == original["policy_version"]


async def test_a_json_body_is_refused_naming_the_file_field(stack: Stack) -> None:
    resp = await stack.client.post(VERIFY, headers=stack.admin.headers, json={"file": "aGk="})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "file")


@pytest.mark.parametrize(
    "form",
    [
        {"data": {"image": "x"}},  # a field, but not 'file'
        {"data": {"file": "not an upload"}},  # 'file' as text, not a file
        {"files": {"picture": ("x.png", b"\x89PNG", "image/png")}},  # a file under another name
    ],
)
async def test_an_upload_without_a_file_part_is_a_400(stack: Stack, form: dict[str, object]) -> None:
    resp = await stack.client.post(VERIFY, headers=stack.admin.headers, **form)  # type: ignore[arg-type]
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == "file"


async def test_a_file_over_the_size_limit_is_refused_before_decoding(stack: Stack) -> None:
    resp = await upload(stack, stack.admin, b"\x89PNG" + b"\0" * MAX_BYTES)
    assert resp.status_code == 400
    assert str(MAX_BYTES) in resp.json()["error"]["message"]


async def test_a_caller_without_the_verify_permission_is_forbidden(stack: Stack) -> None:
    scraper = await make_caller(stack.c, roles=["monitor"])
    resp = await upload(stack, scraper, stack.image)
    assert resp.status_code == 403
    assert resp.json()["error"]["type"] == "permission_error"


async def test_a_foreign_image_is_not_ours_and_gains_nothing_from_our_records(stack: Stack) -> None:
    buffer = io.BytesIO()
    Image.effect_mandelbrot((256, 256), (-2, -1.5, 1, 1.5), 40).convert("RGB").save(buffer, "PNG")
    report = (await upload(stack, stack.admin, buffer.getvalue())).json()
    assert (report["ours"], report["image_id"], report["creator"], report["model"]) == (
        False,
        None,
        None,
        None,
    )
    assert report["watermark"]["found"] is False
