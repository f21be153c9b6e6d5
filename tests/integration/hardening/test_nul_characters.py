"""Integration tests: U+0000 in text is bad input on SQLite and PostgreSQL alike (PostgreSQL cannot store it
in text, and once answered a 500): a 400 in the OpenAI error shape, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.accounts.models import Group
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller

GROUPS = "/v1/limner/admin/groups"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


async def test_a_group_name_with_nul_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    async with components.sessions() as session:
        events_before = await session.scalar(select(func.count()).select_from(AuditEvent))
    resp = await client.post(GROUPS, headers=admin.headers, json={"name": "ops\u0000team", "roles": []})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert resp.json()["error"]["code"] == "nul_character"
    async with components.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Group)) == 0
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    made = await client.post(GROUPS, headers=admin.headers, json={"name": "ops team", "roles": []})
    assert made.status_code == 201, made.text


async def test_a_nul_in_a_path_is_an_openai_error_not_a_500(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.get("/v1/images/abc%00def", headers=admin.headers)
    assert resp.status_code in (400, 404), resp.text  # no image can have that id
    assert resp.json()["error"]["type"] == "invalid_request_error"
