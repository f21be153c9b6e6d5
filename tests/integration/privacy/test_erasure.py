"""Integration tests: data-subject erasure (canary grep, chain intact, holds, errors) and export."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from limner.audit.models import AuditActor, AuditEvent
from limner.audit.signing import FakeCheckpointSigner
from limner.audit.verify import verify_chain
from limner.components import Components
from limner.errors import ConflictError, NotFoundError
from limner.identity.accounts.models import User
from limner.identity.keys.models import ApiKey
from limner.imaging.records import Generation, ImageRecord
from limner.privacy import holds
from limner.privacy.flows import erase_user, export_user
from limner.settings import Settings
from limner.vault.models import DataKey
from tests.conftest import make_settings
from tests.factories import Caller
from tests.integration.privacy.helpers import files_containing, forms, generate


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in tests/integration/identity/test_authz_matrix.py)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


ERASE = "/v1/limner/privacy/erasures"
EXPORT = "/v1/limner/privacy/exports"


async def _chain_ok(c: Components) -> bool:
    async with c.sessions() as session:
        report = await verify_chain(session, public_key=FakeCheckpointSigner().public_key())
    return report.ok


async def test_erasure_leaves_no_trace_of_the_canary(
    client: httpx.AsyncClient,
    components: Components,
    admin: Caller,
    creator: Caller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "CANARY-erase-9d41c7e2"
    await generate(client, creator, f"a lighthouse, {canary}, at dusk")
    await generate(client, creator, f"{canary} in the snow")
    assert await _chain_ok(components)
    resp = await client.post(ERASE, headers=admin.headers, json={"email": creator.email})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert (report["generations"], report["images"], report["data_key_shredded"]) == (2, 2, True)
    assert await _chain_ok(components)  # the chain verifies before and after
    await components.engine.dispose()  # flush the WAL's handles; its contents are grepped too
    hits = files_containing(components.settings.data_dir, forms(canary))
    assert hits == []
    assert not [f for f in forms(canary) if f.decode() in caplog.text]
    assert await components.blob_store.keys() == []


async def test_erasure_pseudonymises_audit_and_deprovisions(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    await generate(client, creator, "a red boat")
    resp = await client.post(ERASE, headers=admin.headers, json={"email": creator.email})
    assert resp.status_code == 200
    async with components.sessions() as session:
        user = await session.get(User, creator.user_id)
        assert user is not None
        assert (user.status, user.email.endswith("@erased.invalid"), user.display_name) == (
            "deprovisioned",
            True,
            "",
        )
        keys = (
            (await session.execute(select(ApiKey).where(ApiKey.owner_id == creator.user_id))).scalars().all()
        )
        assert all(k.revoked_at is not None for k in keys)
        linked = select(func.count()).where(AuditEvent.actor_id == creator.user_id)
        assert (await session.execute(linked)).scalar() == 0
        assert await session.get(AuditActor, creator.user_id) is None
        assert await session.get(DataKey, creator.user_id) is None
        assert (await session.execute(select(func.count()).select_from(Generation))).scalar() == 0
        assert (await session.execute(select(func.count()).select_from(ImageRecord))).scalar() == 0
        erased = select(AuditEvent).where(AuditEvent.action == "privacy.erased")
        assert (await session.execute(erased)).scalar_one().actor_id == admin.user_id
    assert (await client.get("/v1/models", headers=creator.headers)).status_code == 401


async def test_export_after_erase_is_a_clear_error(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    await client.post(ERASE, headers=admin.headers, json={"email": creator.email})
    resp = await client.post(EXPORT, headers=admin.headers, json={"email": creator.email})
    assert resp.status_code == 409
    assert "was erased on" in resp.json()["error"]["message"]
    with pytest.raises(ConflictError, match="erased"):
        await erase_user(components, email=creator.email, actor_id=None)


async def test_unknown_user_is_not_found(components: Components) -> None:
    with pytest.raises(NotFoundError, match=r"no user with email ghost@example\.com"):
        await erase_user(components, email="ghost@example.com", actor_id=None)
    with pytest.raises(NotFoundError):
        await export_user(components, io.BytesIO(), email="ghost@example.com", actor_id=None)


async def test_user_under_legal_hold_is_refused_naming_the_hold(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    await generate(client, creator, "a blue kite")
    async with components.sessions.begin() as session:
        hold = await holds.add_hold(
            session, scope="user", reason="matter 42", actor_id=admin.user_id, user_id=creator.user_id
        )
    resp = await client.post(ERASE, headers=admin.headers, json={"email": creator.email})
    assert resp.status_code == 409
    assert hold.id in resp.json()["error"]["message"]
    async with components.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Generation))).scalar() == 1
    async with components.sessions.begin() as session:
        await holds.release_hold(session, hold_id=hold.id, actor_id=admin.user_id)
    assert (await client.post(ERASE, headers=admin.headers, json={"email": creator.email})).status_code == 200


async def test_privacy_routes_need_privacy_manage(client: httpx.AsyncClient, creator: Caller) -> None:
    resp = await client.post(ERASE, headers=creator.headers, json={"email": creator.email})
    assert resp.status_code == 403
    assert "privacy.manage" in resp.json()["error"]["message"]


async def test_export_holds_prompts_images_manifests_and_audit(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    await generate(client, creator, "a green owl")
    resp = await client.post(EXPORT, headers=admin.headers, json={"email": creator.email})
    assert resp.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    names = set(archive.namelist())
    assert {"README.txt", "user.json", "generations.json", "reviews.json", "audit_events.json"} <= names
    generations = json.loads(archive.read("generations.json"))
    assert [(g["prompt"], g["template"]) for g in generations] == [("a green owl", None)]  # API: no template
    images = [n for n in names if n.startswith("images/") and n.endswith(".png")]
    assert len(images) == 1
    assert archive.read(images[0]).startswith(b"\x89PNG")
    assert images[0].replace(".png", ".json") in names
    actions = [e["action"] for e in json.loads(archive.read("audit_events.json"))]
    assert {"image.generate.requested", "image.generated", "prompt.revealed", "privacy.exported"} <= set(
        actions
    )
    async with components.sessions() as session:
        reveals = select(AuditEvent).where(AuditEvent.action == "prompt.revealed")
        event = (await session.execute(reveals)).scalars().one()
    assert (event.actor_id, event.data["reason"]) == (admin.user_id, "data_subject_export")
    assert "a green owl" not in event.data_json
