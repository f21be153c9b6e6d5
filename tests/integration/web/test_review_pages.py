"""Review queue pages (integration, over ASGI): the queue with SLA and filters in the URL, reveal under
step-up (audited), approve and reject with a reason, four eyes and two approvals as the API enforces them.

The review API itself: tests/integration/review/test_queue.py.
In Chromium: tests/e2e/browser/test_review.py."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from tests.factories import Caller, FixedPolicy, make_caller
from tests.integration.web.conftest import csrf_from, web_sign_in

PROMPT = "CANARY-7f3e a mouse mascot waving"


async def hold(client: httpx.AsyncClient, c: Components, caller: Caller, categories: tuple[str, ...]) -> str:
    saved = c.policy
    c.policy = FixedPolicy(Action.REVIEW, categories)
    response = await client.post(
        "/v1/images/generations", headers=caller.headers, json={"prompt": PROMPT, "size": "256x256"}
    )
    c.policy = saved
    assert response.status_code == 403, response.text
    return str(response.json()["error"]["review_id"])


async def decide(client: httpx.AsyncClient, review_id: str, verdict: str, reason: str) -> httpx.Response:
    page = await client.get(f"/review/{review_id}")
    data = {"csrf_token": csrf_from(page.text), "verdict": verdict, "reason": reason}
    return await client.post(f"/review/{review_id}", data=data)


async def test_queue_lists_held_items_with_sla_and_filters(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.policy = AllowAllPolicy()
    creator = await make_caller(components, roles=["creator"])
    first = await hold(client, components, creator, ("ip.character",))
    second = await hold(client, components, creator, ("pii.email",))
    await web_sign_in(client, components, ["reviewer"])
    queue = await client.get("/review")
    assert first in queue.text
    assert second in queue.text
    assert "due in 23 h" in queue.text
    assert PROMPT not in queue.text
    filtered = await client.get("/review", params={"category": "ip."})
    assert first in filtered.text
    assert second not in filtered.text


async def test_reveal_is_audited_and_approval_releases(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.policy = AllowAllPolicy()
    creator = await make_caller(components, roles=["creator"])
    review_id = await hold(client, components, creator, ("ip.character",))
    await web_sign_in(client, components, ["reviewer"])
    item = await client.get(f"/review/{review_id}")
    assert PROMPT not in item.text
    revealed = await client.post(f"/review/{review_id}/reveal", data={"csrf_token": csrf_from(item.text)})
    assert PROMPT in revealed.text
    async with components.sessions() as session:
        actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "prompt.revealed" in actions
    empty = await decide(client, review_id, "approve", "")
    assert empty.status_code == 400
    assert 'href="#reason"' in empty.text
    done = await decide(client, review_id, "approve", "Generic mascot, no protected character")
    assert done.status_code == 303
    assert "Status: <strong>approved</strong>" in (await client.get(done.headers["location"])).text


async def test_two_approvals_need_two_different_reviewers(components: Components, app: object) -> None:
    components.policy = AllowAllPolicy()
    creator = await make_caller(components, roles=["creator"])
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as one,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as two,
    ):
        review_id = await hold(one, components, creator, ("harm.violence",))
        await web_sign_in(one, components, ["reviewer"])
        await web_sign_in(two, components, ["reviewer"])
        assert (await decide(one, review_id, "approve", "Fine in context")).status_code == 303
        assert "Status: <strong>pending</strong>" in (await one.get(f"/review/{review_id}?decided=1")).text
        again = await decide(one, review_id, "approve", "Still fine")
        assert "a second reviewer must decide" in again.text
        assert (await decide(two, review_id, "approve", "Agreed")).status_code == 303
        assert "Status: <strong>approved</strong>" in (await two.get(f"/review/{review_id}?decided=1")).text


async def test_creators_cannot_open_the_queue(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.get("/review")
    assert response.status_code == 403
    assert "review.decide" in response.text
