"""Integration: erasure survives backups. A copy of the database and blob store taken before an erasure,
restored beside the live key store, yields nothing of the erased person (HTTP API throughout)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.audit.verify import verify_log
from limner.components import Components, build_components
from limner.imaging.records import Generation
from limner.main import create_app
from limner.vault.key_providers import default_key_path
from limner.vault.service import existing_data_key
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller
from tests.modes import back_up

CANARY = "kestrel-canary-7f3a9 over the harbour"
STEP_UP_KEYS = {"mfa": {"step_up_allows_api_keys": True}}


@asynccontextmanager
async def server(
    data_dir: Path, key_path: Path, *, fresh: bool = False
) -> AsyncIterator[tuple[Components, httpx.AsyncClient]]:
    settings = make_settings(
        data_dir, identity=STEP_UP_KEYS, vault={"key_provider": {"kind": "local", "path": key_path}}
    )
    c = build_components(settings)
    try:
        if fresh:
            await create_schema(c.engine)
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield c, client
    finally:
        await c.aclose()


async def _export(client: httpx.AsyncClient, admin: Caller, email: str) -> zipfile.ZipFile:
    resp = await client.post("/v1/limner/privacy/exports", headers=admin.headers, json={"email": email})
    assert resp.status_code == 200, resp.text
    return zipfile.ZipFile(io.BytesIO(resp.content))


async def test_restored_backup_beside_the_live_key_store_decrypts_nothing(tmp_path: Path) -> None:
    live, backup = tmp_path / "data", tmp_path / "backup"
    key_path = default_key_path(live)
    assert live not in key_path.parents  # the key store is not part of the data dir
    async with server(live, key_path, fresh=True) as (c, client):
        admin = await make_caller(c, roles=["admin"])
        person = await make_caller(c, roles=["creator"])
        body = {"model": "limner-local", "prompt": CANARY, "size": "256x256", "response_format": "url"}
        resp = await client.post("/v1/images/generations", headers=person.headers, json=body)
        assert resp.status_code == 200
        url = resp.json()["data"][0]["url"].split("8000", 1)[1]
        assert (await client.get(url)).status_code == 200
        archive = await _export(client, admin, person.email)
        assert CANARY in archive.read("generations.json").decode()
        async with c.sessions() as session:
            row = (await session.execute(select(Generation))).scalar_one()
            # The audit row and the generation keep a keyed hash, never the dictionary-reversible SHA-256.
            plain = hashlib.sha256(CANARY.encode()).hexdigest()
            assert row.prompt_hmac is not None
            assert row.prompt_hmac != plain
            events = (await session.execute(select(AuditEvent))).scalars().all()
            assert not any(plain in str(e.data) for e in events)
            assert any(row.prompt_hmac in str(e.data) for e in events)

    back_up(live, backup)  # the nightly backup: database and blob store, without the keys

    async with server(live, key_path) as (c, client):
        erased = await client.post(
            "/v1/limner/privacy/erasures", headers=admin.headers, json={"email": person.email}
        )
        assert erased.status_code == 200, erased.text
        assert (await client.get(url)).status_code == 404
        report = await verify_log(c.sessions, public_key=None)
        assert report.ok, report  # the chain still verifies after the erasure

    # Restore the old database and blobs beside the live key store.
    async with server(backup, key_path) as (c, client):
        async with c.sessions() as session:
            assert await existing_data_key(session, c.key_provider, owner_id=person.user_id) is None
        gone = await client.get(url)
        assert gone.status_code == 404  # the signed URL from before the erasure
        archive = await _export(client, admin, person.email)
        assert CANARY not in archive.read("generations.json").decode()
        assert not [n for n in archive.namelist() if n.endswith(".png")]  # images: metadata only
        resp = await client.post(
            "/v1/images/generations",
            headers=person.headers,
            json={"model": "limner-local", "prompt": "a cat"},
        )
        assert resp.status_code == 409, resp.text  # never new data under the destroyed key
        assert resp.json()["error"]["code"] == "data_key_destroyed"
