"""Generate page outcomes (integration, over ASGI): a warning confirmed and recorded, a held prompt whose
status updates when a reviewer decides, and the training gate. The coach and results: test_generate.py."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.education.seed import install_defaults
from limner.imaging.actions import Action
from tests.factories import FixedPolicy, make_caller
from tests.integration.web.conftest import home_csrf, web_sign_in


async def audit_rows(c: Components, action: str) -> list[AuditEvent]:
    async with c.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list((await session.execute(query)).scalars())


async def test_warning_needs_confirmation_which_is_recorded(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.policy = FixedPolicy(Action.WARN, ("ip.trademark",))
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    form = {"prompt": "a fizzy drink can", "size": "256x256", "csrf_token": csrf}
    first = await client.post("/generate", data=form)
    assert first.status_code == 400
    assert 'href="#confirm_warning"' in first.text
    assert "a fizzy drink can" in first.text
    assert "Your image" not in first.text
    confirmed = await client.post("/generate", data={**form, "confirm_warning": "yes"})
    assert confirmed.status_code == 200, confirmed.text
    assert "Your image" in confirmed.text
    [row] = await audit_rows(components, "prompt.warning_confirmed")
    assert row.data["categories"] == ["ip.trademark"]
    assert "fizzy" not in str(row.data)  # a hash, never the prompt


async def test_held_prompt_shows_review_status_until_decided(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    components.policy = FixedPolicy(Action.REVIEW, ("ip.trademark",))  # one approval suffices
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    held = await client.post("/generate", data={"prompt": "a storm", "size": "256x256", "csrf_token": csrf})
    assert "Held for review" in held.text
    poll = re.search(r'hx-get="(/generate/reviews/[^"]+)" hx-trigger="every 3s"', held.text)
    assert poll, held.text
    assert "Held for review" in (await client.get(poll.group(1))).text
    reviewer = await make_caller(components, roles=["reviewer"])
    review_id = poll.group(1).rsplit("/", 1)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as api:
        decided = await api.post(
            f"/v1/limner/reviews/{review_id}/decision",
            json={"verdict": "approve", "reason": "fine for the newsletter"},
            headers=reviewer.headers,
        )
        assert decided.status_code == 200, decided.text
    after = await client.get(poll.group(1))
    assert "Approved" in after.text
    assert "every 3s" not in after.text  # polling stops once decided


async def test_untrained_person_is_sent_to_training(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.settings.education.required = True
    async with components.sessions.begin() as session:
        assert await install_defaults(session)  # the shipped policy and module
    await web_sign_in(client, components, ["creator"])
    home = await client.get("/")
    assert "Complete your training first" in home.text
    assert 'href="/training"' in home.text
    csrf = await home_csrf(client)
    response = await client.post("/generate", data={"prompt": "a kite", "csrf_token": csrf})
    assert response.status_code == 400
    assert 'href="#training"' in response.text


async def test_prompts_typed_in_pages_never_reach_the_audit_log(
    client: httpx.AsyncClient, components: Components
) -> None:
    canary = "canary-7f3a9c-zebra-quartz"
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    await client.post("/coach", data={"prompt": f"a {canary} at noon"}, headers={"x-csrf-token": csrf})
    done = await client.post("/generate", data={"prompt": f"a {canary} at dusk", "csrf_token": csrf})
    assert done.status_code == 200
    async with components.sessions() as session:
        events = list((await session.execute(select(AuditEvent))).scalars())
    assert events
    assert all(canary not in f"{e.action} {e.data}" for e in events)
