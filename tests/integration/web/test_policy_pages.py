"""Prompt-policy editor page (integration, over ASGI): errors by line and field, the dry run, saving under
step-up MFA. The CLI twin: tests/integration/policy/test_policy_flow.py."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from limner.components import Components
from limner.db import utcnow
from limner.identity.sessions.models import AuthSession
from limner.policy import service as policy_service
from tests.integration.web.conftest import csrf_from, web_sign_in


async def test_check_shows_the_line_then_dry_run_then_save(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    editor = await client.get("/admin/policy")
    assert editor.status_code == 200
    assert "name: limner-default" in editor.text
    csrf = csrf_from(editor.text)
    broken = "detectors: []\nrules:\n  secret.*: {action: shrug}\n"
    bad = await client.post("/admin/policy", data={"csrf_token": csrf, "document": broken, "action": "check"})
    assert bad.status_code == 400
    assert "line 3" in bad.text
    assert "{action: shrug}" in bad.text  # nothing typed is lost
    text = policy_service.default_policy_text().replace(
        "ip.trademark: {action: warn}", "ip.trademark: {action: block}"
    )
    dry = await client.post("/admin/policy", data={"csrf_token": csrf, "document": text, "action": "check"})
    assert "Dry run against the last 30 days" in dry.text
    assert "0 stored prompts replayed" in dry.text
    saved = await client.post("/admin/policy", data={"csrf_token": csrf, "document": text, "action": "save"})
    assert "is now active" in saved.text
    async with components.sessions() as session:
        active = await policy_service.active_policy(session)
    assert active is not None
    assert "ip.trademark: {action: block}" in active.document


async def test_saving_needs_a_recent_verification(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["admin"])
    csrf = csrf_from((await client.get("/admin/policy")).text)
    async with components.sessions.begin() as session:
        await session.execute(update(AuthSession).values(mfa_at=utcnow() - timedelta(hours=1)))
    text = policy_service.default_policy_text()
    stale = await client.post("/admin/policy", data={"csrf_token": csrf, "document": text, "action": "save"})
    assert stale.status_code == 400
    assert "recent verification" in stale.text
    editor = await client.get("/admin/policy")
    assert (editor.status_code, editor.headers["location"]) == (303, "/mfa?next=/admin/policy")
