"""Integration tests: the auditor API (search, pagination, permissions, JSONL and CSV export)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in tests/integration/identity/test_authz_matrix.py)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


EVENTS = "/v1/limner/audit/events"
EXPORT = "/v1/limner/audit/export"


async def _seed(c: Components, user_id: str) -> None:
    async with c.sessions.begin() as session:
        for i in range(5):
            await record(
                session,
                action=AuditAction.IMAGE_GENERATE_REQUESTED,
                actor_id=user_id,
                outcome="allow",
                data={"i": i},
            )
        await record(session, action=AuditAction.IMAGE_GENERATE_REQUESTED, actor_id=user_id, outcome="block")
        await record(session, action=AuditAction.POLICY_ACTIVATED, actor_id="someone-else", request_id="=1+2")


async def test_search_filters_and_paginates(client: httpx.AsyncClient, components: Components) -> None:
    auditor = await make_caller(components, roles=["auditor"])
    creator = await make_caller(components, roles=["creator"])
    await _seed(components, creator.user_id)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {
            "user": creator.email,
            "action": "image.*",
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get(EVENTS, headers=auditor.headers, params=params)).json()
        seen += [e["seq"] for e in page["data"]]
        assert all(e["actor_id"] == creator.user_id for e in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6
    assert seen == sorted(seen, reverse=True)
    blocked = (await client.get(EVENTS, headers=auditor.headers, params={"decision": "block"})).json()["data"]
    assert [e["outcome"] for e in blocked] == ["block"]


async def test_search_by_unknown_email_is_a_404(client: httpx.AsyncClient, components: Components) -> None:
    auditor = await make_caller(components, roles=["auditor"])
    resp = await client.get(EVENTS, headers=auditor.headers, params={"user": "nobody@example.com"})
    assert resp.status_code == 404


async def test_search_needs_audit_read(client: httpx.AsyncClient, creator: Caller) -> None:
    resp = await client.get(EVENTS, headers=creator.headers)
    assert resp.status_code == 403
    assert "audit.read" in resp.json()["error"]["message"]


async def test_export_needs_audit_export(client: httpx.AsyncClient, components: Components) -> None:
    reader = await make_caller(components, roles=["auditor"], key_roles=["auditor"])
    viewer = await make_caller(components, roles=["viewer"])
    assert (await client.get(EXPORT, headers=viewer.headers)).status_code == 403
    assert (await client.get(EXPORT, headers=reader.headers)).status_code == 200


async def test_jsonl_export_streams_every_match_and_is_audited(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    await _seed(components, admin.user_id)
    resp = await client.get(EXPORT, headers=admin.headers, params={"user": admin.user_id})
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)
    assert {e["action"] for e in lines} >= {"image.generate.requested", "audit.exported"}


async def test_csv_export_is_injection_safe(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    await _seed(components, admin.user_id)
    resp = await client.get(
        EXPORT, headers=admin.headers, params={"format": "csv", "action": "policy.activated"}
    )
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert len(rows) == 1
    assert rows[0]["request_id"] == "'=1+2"
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


async def test_checkpoints_and_verify_endpoints(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    await _seed(components, admin.user_id)
    checkpoints = (await client.get("/v1/limner/audit/checkpoints", headers=admin.headers)).json()
    assert len(bytes.fromhex(checkpoints["public_key"])) == 32
    report = (await client.get("/v1/limner/audit/verify", headers=admin.headers)).json()
    assert report["ok"] is True
    assert report["events"] >= 7
