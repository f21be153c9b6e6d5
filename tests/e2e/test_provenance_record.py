"""End-to-end: `limner verify` and POST /v1/limner/verify resolve a re-encoded copy (watermark only,
no C2PA left) to the same stored record as the original's C2PA manifest, against a live server."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
from PIL import Image

from tests.e2e.conftest import LiveServer


def reencode_jpeg(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(data)) as img:
        img.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def api_verify(server: LiveServer, data: bytes) -> dict[str, object]:
    resp = httpx.post(
        f"{server.base_url}/v1/limner/verify",
        headers={"Authorization": f"Bearer {server.api_key}"},
        files={"file": ("x", data, "application/octet-stream")},
        timeout=60,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


def test_cli_and_api_give_the_same_record_for_a_stripped_copy(
    live_server: LiveServer, tmp_path: Path
) -> None:
    resp = httpx.post(
        f"{live_server.base_url}/v1/images/generations",
        headers={"Authorization": f"Bearer {live_server.api_key}"},
        json={"model": "limner-local", "prompt": "a red kite over dunes", "size": "512x512"},
        timeout=120,
    )
    original = base64.b64decode(resp.json()["data"][0]["b64_json"])
    stripped = reencode_jpeg(original)
    signed, copied = api_verify(live_server, original), api_verify(live_server, stripped)
    assert signed["c2pa"]["present"] is True  # type: ignore[index]
    assert copied["c2pa"]["present"] is False  # type: ignore[index]
    assert copied["watermark"]["found"] is True  # type: ignore[index]
    fields = ("image_id", "created_at", "model", "creator")
    assert {k: copied[k] for k in fields} == {k: signed[k] for k in fields}  # admin holds audit.read
    assert len(str(copied["image_id"])) > 12
    assert copied["model"] == "limner-local"
    path = tmp_path / "copy.jpg"
    path.write_bytes(stripped)
    done = live_server.cli("verify", str(path), "--json", "--show-creator")
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    assert {k: cli[k] for k in fields} == {k: copied[k] for k in fields}
