"""Integration tests: held requests, the review queue, four eyes and resumption, over HTTP."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from limner.review import service as review
from limner.review.models import Notification
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, FixedPolicy, make_caller


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in tests/integration/identity/test_authz_matrix.py)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


GEN = "/v1/images/generations"


async def hold(
    client: httpx.AsyncClient,
    components: Components,
    caller: Caller,
    categories: tuple[str, ...] = ("ip.character",),
) -> str:
    components.policy = FixedPolicy(Action.REVIEW, categories)
    resp = await client.post(
        GEN, headers=caller.headers, json={"prompt": "a mouse mascot", "size": "256x256"}
    )
    components.policy = AllowAllPolicy()
    assert resp.status_code == 403
    error = resp.json()["error"]
    assert error["code"] == "held_for_review"
    assert resp.headers["x-limner-review-id"] == error["review_id"]
    return str(error["review_id"])


async def decide(client: httpx.AsyncClient, caller: Caller, review_id: str, verdict: str) -> httpx.Response:
    return await client.post(
        f"/v1/limner/reviews/{review_id}/decision",
        headers=caller.headers,
        json={"verdict": verdict, "reason": "checked against policy"},
    )


async def test_held_request_runs_after_approval_and_the_requester_gets_images(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    pending = await client.get(f"/v1/limner/reviews/{review_id}", headers=creator.headers)
    assert pending.json()["status"] == "pending"
    assert pending.json()["data"] is None
    reviewer = await make_caller(components, roles=["reviewer"])
    listed = (await client.get("/v1/limner/reviews", headers=reviewer.headers)).json()["data"]
    assert [item["id"] for item in listed] == [review_id]
    assert listed[0]["requester"].startswith("u_")
    assert (await decide(client, reviewer, review_id, "approve")).json()["status"] == "approved"
    done = (await client.get(f"/v1/limner/reviews/{review_id}", headers=creator.headers)).json()
    assert done["generation_status"] == "completed"
    assert done["data"][0]["b64_json"]
    async with components.sessions() as session:
        notes = (await session.execute(select(Notification))).scalars().all()
    assert [n.kind for n in notes] == ["review.approved"]


async def test_rejected_request_never_runs(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    reviewer = await make_caller(components, roles=["reviewer"])
    assert (await decide(client, reviewer, review_id, "reject")).json()["status"] == "rejected"
    again = await decide(client, await make_caller(components, roles=["reviewer"]), review_id, "approve")
    assert again.status_code == 409
    body = (await client.get(f"/v1/limner/reviews/{review_id}", headers=creator.headers)).json()
    assert (body["generation_status"], body["data"]) == ("held", None)


async def test_nobody_reviews_their_own_request(client: httpx.AsyncClient, components: Components) -> None:
    both = await make_caller(components, roles=["creator", "reviewer"])
    review_id = await hold(client, components, both)
    resp = await decide(client, both, review_id, "approve")
    assert resp.status_code == 403


async def test_other_users_cannot_see_a_review(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    stranger = await make_caller(components, roles=["creator"])
    assert (await client.get(f"/v1/limner/reviews/{review_id}", headers=stranger.headers)).status_code == 404
    assert (await client.get("/v1/limner/reviews", headers=stranger.headers)).status_code == 403


async def test_two_person_categories_need_two_distinct_approvals(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator, categories=("harm.violence",))
    first, second = [await make_caller(components, roles=["reviewer"]) for _ in range(2)]
    assert (await decide(client, first, review_id, "approve")).json()["status"] == "pending"
    assert (await decide(client, first, review_id, "approve")).status_code == 409
    assert (await decide(client, second, review_id, "approve")).json()["status"] == "approved"


async def test_concurrent_reviewers_never_double_decide(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    reviewers = [await make_caller(components, roles=["reviewer"]) for _ in range(4)]
    results = await asyncio.gather(
        *(decide(client, r, review_id, v) for r, v in zip(reviewers, ["approve", "reject"] * 2, strict=True))
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]


async def test_revealing_the_prompt_is_audited(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    reviewer = await make_caller(components, roles=["reviewer"])
    resp = await client.post(f"/v1/limner/reviews/{review_id}/prompt", headers=reviewer.headers)
    assert resp.json()["prompt"] == "a mouse mascot"
    async with components.sessions() as session:
        events = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "prompt.revealed"))
        ).scalars()
        assert [e.actor_id for e in events] == [reviewer.user_id]


async def test_held_edit_resumes_with_its_stored_input_image(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, "PNG")
    components.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    resp = await client.post(
        "/v1/images/edits",
        headers=creator.headers,
        data={"prompt": "p", "size": "256x256"},
        files={"image": ("a.png", buffer.getvalue(), "image/png")},
    )
    components.policy = AllowAllPolicy()
    review_id = resp.json()["error"]["review_id"]
    reviewer = await make_caller(components, roles=["reviewer"])
    await decide(client, reviewer, review_id, "approve")
    done = (await client.get(f"/v1/limner/reviews/{review_id}", headers=creator.headers)).json()
    assert done["generation_status"] == "completed"


async def test_overdue_items_are_escalated_once(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await hold(client, components, creator)
    later = utcnow() + timedelta(hours=components.settings.review.sla_hours + 1)
    async with components.sessions.begin() as session:
        assert len(await review.escalate_overdue(session, now=later)) == 1
    async with components.sessions.begin() as session:
        assert await review.escalate_overdue(session, now=later) == []


async def test_blocked_prompt_is_a_400_with_categories_and_no_text(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.BLOCK, ("secret.aws_key",))
    resp = await client.post(GEN, headers=creator.headers, json={"prompt": "AKIASECRETVALUE in a poster"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "content_policy_violation"
    assert "secret.aws_key" in error["message"]
    assert "AKIASECRETVALUE" not in resp.text


async def test_redacted_prompt_goes_upstream_and_warnings_are_a_header(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.REDACT, ("pii.email",))
    resp = await client.post(
        GEN, headers=creator.headers, json={"model": "fake-model", "prompt": "ana@x.io tail"}
    )
    assert resp.status_code == 200
    fake = components.backends["fake"]
    assert fake.requests[-1].prompt == "[REDACTED] tail"  # type: ignore[attr-defined]
    components.policy = FixedPolicy(Action.WARN, ("ip.trademark",))
    warned = await client.post(GEN, headers=creator.headers, json={"model": "fake-model", "prompt": "a logo"})
    assert warned.headers["x-limner-warnings"] == "ip.trademark"


async def test_requester_sees_the_outcome_in_their_notifications(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    review_id = await hold(client, components, creator)
    await decide(client, await make_caller(components, roles=["reviewer"]), review_id, "reject")
    notes = (await client.get("/v1/limner/notifications", headers=creator.headers)).json()["data"]
    assert [(n["kind"], n["subject_id"]) for n in notes] == [("review.rejected", review_id)]
