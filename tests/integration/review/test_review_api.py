"""Integration tests: the review API's refusals and edges over HTTP — malformed decisions, unknown
reviews, who sees the requester, held images released after approval, an approved request that
fails upstream, a requester erased while held, and a review webhook nobody answers.

Unit twin: tests/unit/review/test_review_rules.py (the review queue's settings and pure parts)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components, build_components
from limner.errors import UpstreamError
from limner.identity.keys.tokens import pseudonym
from limner.imaging.actions import Action
from limner.main import create_app
from limner.policy.engine import AllowAllPolicy
from limner.settings import Settings
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, FixedPolicy, make_caller

GEN = "/v1/images/generations"
REVIEWS = "/v1/limner/reviews"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """API keys pass step-up here (tested in tests/integration/identity/test_authz_matrix.py); the
    review webhook points at a loopback port nobody listens on."""
    return make_settings(
        data_dir,
        identity={"mfa": {"step_up_allows_api_keys": True}},
        review={"webhook_url": f"http://127.0.0.1:{closed_port()}/hook", "webhook_secret": SECRET},
    )


async def hold(
    client: httpx.AsyncClient, c: Components, caller: Caller, *, model: str = "limner-local"
) -> str:
    c.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    resp = await client.post(
        GEN, headers=caller.headers, json={"model": model, "prompt": "a mouse mascot", "size": "256x256"}
    )
    c.policy = AllowAllPolicy()
    assert resp.status_code == 403, resp.text
    return str(resp.json()["error"]["review_id"])


async def decide(
    client: httpx.AsyncClient, caller: Caller, review_id: str, verdict: str = "approve", reason: str = "ok"
) -> httpx.Response:
    return await client.post(
        f"{REVIEWS}/{review_id}/decision", headers=caller.headers, json={"verdict": verdict, "reason": reason}
    )


@pytest.fixture
async def reviewer(components: Components) -> Caller:
    return await make_caller(components, roles=["reviewer"])


@pytest.mark.parametrize(
    ("verdict", "reason", "param"),
    [("maybe", "looked at it", "verdict"), ("approve", "   ", "reason"), ("reject", "", "reason")],
)
async def test_a_malformed_decision_is_a_400_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    components: Components,
    creator: Caller,
    reviewer: Caller,
    verdict: str,
    reason: str,
    param: str,
) -> None:
    review_id = await hold(client, components, creator)
    resp = await decide(client, reviewer, review_id, verdict, reason)
    assert resp.status_code == 400
    assert (resp.json()["error"]["type"], resp.json()["error"]["param"]) == ("invalid_request_error", param)
    assert (await client.get(f"{REVIEWS}/{review_id}", headers=creator.headers)).json()["status"] == "pending"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/missing"),
        ("POST", "/missing/decision"),
        ("POST", "/missing/prompt"),
        ("GET", "/missing/images/0"),
    ],
)
async def test_an_unknown_review_is_a_404_everywhere(
    client: httpx.AsyncClient, reviewer: Caller, method: str, path: str
) -> None:
    body = {"verdict": "approve", "reason": "ok"} if path.endswith("decision") else None
    resp = await client.request(method, f"{REVIEWS}{path}", headers=reviewer.headers, json=body)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "No such review."


async def test_reviewers_see_a_pseudonym_and_revealers_see_the_email(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller, admin: Caller
) -> None:
    review_id = await hold(client, components, creator)
    as_reviewer = (await client.get(f"{REVIEWS}/{review_id}", headers=reviewer.headers)).json()
    assert as_reviewer["requester"] == pseudonym(components.secret_key, creator.user_id)
    as_admin = (await client.get(f"{REVIEWS}/{review_id}", headers=admin.headers)).json()
    assert as_admin["requester"] == creator.email
    as_requester = (await client.get(f"{REVIEWS}/{review_id}", headers=creator.headers)).json()
    assert as_requester["requester"] is None


async def test_the_queue_lists_by_status(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller
) -> None:
    approved, pending = await hold(client, components, creator), await hold(client, components, creator)
    assert (await decide(client, reviewer, approved)).json()["status"] == "approved"
    listed = await client.get(REVIEWS, headers=reviewer.headers, params={"status": "approved"})
    assert [r["id"] for r in listed.json()["data"]] == [approved]
    waiting = (await client.get(REVIEWS, headers=reviewer.headers)).json()["data"]
    assert [r["id"] for r in waiting] == [pending]
    assert waiting[0]["data"] is None  # the queue never carries images


async def test_held_prompt_images_exist_only_after_approval(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller
) -> None:
    review_id = await hold(client, components, creator)
    before = await client.get(f"{REVIEWS}/{review_id}/images/0", headers=reviewer.headers)
    assert before.status_code == 404
    assert (await decide(client, reviewer, review_id)).status_code == 200
    image = await client.get(f"{REVIEWS}/{review_id}/images/0", headers=reviewer.headers)
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    assert image.content.startswith(b"\x89PNG")
    past_the_end = await client.get(f"{REVIEWS}/{review_id}/images/1", headers=reviewer.headers)
    assert past_the_end.status_code == 404


async def test_an_unreachable_review_webhook_does_not_undo_the_decision(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller
) -> None:
    review_id = await hold(client, components, creator)
    resp = await decide(client, reviewer, review_id, "reject", "not allowed")
    assert (resp.status_code, resp.json()["status"]) == (200, "rejected")


async def test_an_approved_request_that_fails_upstream_keeps_the_decision_and_records_the_failure(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller
) -> None:
    review_id = await hold(client, components, creator, model="fake-model")
    components.backends["fake"].fail_with = UpstreamError("the vendor is down")  # type: ignore[attr-defined]
    resp = await decide(client, reviewer, review_id)
    assert (resp.status_code, resp.json()["status"]) == (200, "approved")
    assert resp.json()["generation_status"] == "failed"
    body = (await client.get(f"{REVIEWS}/{review_id}", headers=creator.headers)).json()
    assert (body["status"], body["data"]) == ("approved", None)


async def test_erasing_a_held_requester_withdraws_the_review_and_reveals_nothing(
    client: httpx.AsyncClient, components: Components, creator: Caller, reviewer: Caller
) -> None:
    review_id = await hold(client, components, creator)
    officer = await make_caller(components, roles=["privacy"])
    erased = await client.post(
        "/v1/limner/privacy/erasures", headers=officer.headers, json={"email": creator.email}
    )
    assert erased.status_code == 200, erased.text
    for resp in (
        await client.post(f"{REVIEWS}/{review_id}/prompt", headers=reviewer.headers),
        await decide(client, reviewer, review_id),
        await client.get(f"{REVIEWS}/{review_id}", headers=reviewer.headers),
    ):
        assert resp.status_code == 404
    assert (await client.get(REVIEWS, headers=reviewer.headers)).json()["data"] == []
    async with components.sessions() as session:
        reveals = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "prompt.revealed"))
        ).all()
    assert reveals == []


@pytest.fixture
async def image_hold(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient]]:
    """Image moderation that holds every output (a fake provider scoring 0.7 for 'sexual')."""
    settings = make_settings(
        tmp_path / "data",
        moderation={"enabled": True, "providers": [{"kind": "fake", "scores": {"sexual": 0.7}}]},
    )
    c = build_components(settings)
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield c, client
    await c.aclose()


async def test_held_output_images_are_released_unchanged_after_two_approvals(
    image_hold: tuple[Components, httpx.AsyncClient],
) -> None:
    c, client = image_hold
    creator = await make_caller(c, roles=["creator"])
    resp = await client.post(GEN, headers=creator.headers, json={"prompt": "a beach", "size": "256x256"})
    assert resp.json()["error"]["code"] == "held_for_review"
    review_id = resp.json()["error"]["review_id"]
    first, second = [await make_caller(c, roles=["reviewer"]) for _ in range(2)]
    shown = await client.get(f"{REVIEWS}/{review_id}/images/0", headers=first.headers)
    assert (await decide(client, first, review_id)).json()["status"] == "pending"
    assert (await decide(client, second, review_id)).json()["generation_status"] == "completed"
    done = (await client.get(f"{REVIEWS}/{review_id}", headers=creator.headers)).json()
    assert done["source"] == "image"
    assert done["required_approvals"] == 2
    assert len(done["data"]) == 1
    async with c.sessions() as session:
        released = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "image.released"))
        ).all()
    assert len(released) == 1
    assert shown.content.startswith(b"\x89PNG")
