"""Integration tests: four-eyes erasure, the holds API's refusals and the purge endpoint, over HTTP.

Unit twin: tests/unit/privacy/test_rules.py (the retention and hold math these endpoints apply)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.accounts.models import User
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, FixedPolicy, make_caller

PRIVACY = "/v1/limner/privacy"
ERASURES = f"{PRIVACY}/erasures"
HOLDS = f"{PRIVACY}/holds"
GEN = "/v1/images/generations"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Erasure needs a second person; sensitive routes accept API keys as step-up (the step-up itself
    is tested in tests/integration/identity/test_authz_matrix.py)."""
    return make_settings(
        data_dir,
        privacy={"erasure_requires_approval": True},
        identity={"mfa": {"step_up_allows_api_keys": True}},
    )


@pytest.fixture
async def officer(components: Components) -> Caller:
    return await make_caller(components, roles=["privacy"])


@pytest.fixture
async def second_officer(components: Components) -> Caller:
    return await make_caller(components, roles=["privacy"])


async def _ask(client: httpx.AsyncClient, officer: Caller, email: str) -> httpx.Response:
    return await client.post(ERASURES, headers=officer.headers, json={"email": email})


async def _status(components: Components, user_id: str) -> str:
    async with components.sessions() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.status


async def test_an_erasure_waits_for_a_second_officer_then_erases(
    client: httpx.AsyncClient,
    components: Components,
    officer: Caller,
    second_officer: Caller,
    creator: Caller,
) -> None:
    asked = await _ask(client, officer, creator.email)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["status"], request["user_id"], request["decided_at"]) == (
        "pending",
        creator.user_id,
        None,
    )
    assert await _status(components, creator.user_id) == "active"
    listed = (await client.get(ERASURES, headers=second_officer.headers)).json()["data"]
    assert [r["id"] for r in listed] == [request["id"]]

    approved = await client.post(f"{ERASURES}/{request['id']}/approve", headers=second_officer.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["request"]["status"] == "approved"
    assert approved.json()["request"]["decided_at"] is not None
    assert await _status(components, creator.user_id) == "deprovisioned"
    assert (await client.get(ERASURES, headers=officer.headers)).json()["data"] == []
    async with components.sessions() as session:
        actions = (
            await session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("privacy.erasure"))
                .order_by(AuditEvent.seq)
            )
        ).scalars()
        assert list(actions) == ["privacy.erasure.requested", "privacy.erasure.approved"]


async def test_the_requester_cannot_approve_their_own_erasure_request(
    client: httpx.AsyncClient, components: Components, officer: Caller, creator: Caller
) -> None:
    request_id = (await _ask(client, officer, creator.email)).json()["id"]
    resp = await client.post(f"{ERASURES}/{request_id}/approve", headers=officer.headers)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "same_person"
    assert await _status(components, creator.user_id) == "active"


async def test_an_approved_request_cannot_be_approved_again(
    client: httpx.AsyncClient,
    components: Components,
    officer: Caller,
    second_officer: Caller,
    creator: Caller,
) -> None:
    request_id = (await _ask(client, officer, creator.email)).json()["id"]
    assert (await client.post(f"{ERASURES}/{request_id}/approve", headers=second_officer.headers)).is_success
    third = await make_caller(components, roles=["privacy"])
    again = await client.post(f"{ERASURES}/{request_id}/approve", headers=third.headers)
    assert again.status_code == 409
    assert "already approved" in again.json()["error"]["message"]


async def test_approving_an_unknown_request_is_not_found(
    client: httpx.AsyncClient, second_officer: Caller
) -> None:
    resp = await client.post(f"{ERASURES}/nope/approve", headers=second_officer.headers)
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "invalid_request_error"


async def test_an_officer_cannot_ask_to_erase_their_own_account(
    client: httpx.AsyncClient, officer: Caller
) -> None:
    resp = await _ask(client, officer, officer.email)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "self_lockout"


async def test_asking_to_erase_a_held_person_is_refused_and_files_nothing(
    client: httpx.AsyncClient, officer: Caller, creator: Caller
) -> None:
    held = await client.post(
        HOLDS, headers=officer.headers, json={"scope": "user", "user_email": creator.email, "reason": "m-1"}
    )
    assert held.status_code == 201, held.text
    resp = await _ask(client, officer, creator.email)
    assert resp.status_code == 409
    assert held.json()["id"] in resp.json()["error"]["message"]
    assert (await client.get(ERASURES, headers=officer.headers)).json()["data"] == []


async def test_a_hold_added_after_the_request_blocks_the_approval_and_keeps_it_pending(
    client: httpx.AsyncClient,
    components: Components,
    officer: Caller,
    second_officer: Caller,
    creator: Caller,
) -> None:
    request_id = (await _ask(client, officer, creator.email)).json()["id"]
    body = {"scope": "user", "user_email": creator.email, "reason": "late matter"}
    assert (await client.post(HOLDS, headers=officer.headers, json=body)).status_code == 201
    resp = await client.post(f"{ERASURES}/{request_id}/approve", headers=second_officer.headers)
    assert resp.status_code == 409
    pending = (await client.get(ERASURES, headers=officer.headers)).json()["data"]
    assert [r["status"] for r in pending] == ["pending"]
    assert await _status(components, creator.user_id) == "active"


async def test_erasing_an_unknown_person_is_not_found(client: httpx.AsyncClient, officer: Caller) -> None:
    resp = await _ask(client, officer, "nobody@example.com")
    assert resp.status_code == 404


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"scope": "range", "reason": "no bounds"}, "scope"),
        ({"scope": "group", "reason": "no group"}, "scope"),
        ({"scope": "user", "reason": "no user"}, "scope"),
        (
            {
                "scope": "range",
                "reason": "backwards",
                "starts_at": "2026-02-01T00:00:00Z",
                "ends_at": "2026-01-01T00:00:00Z",
            },
            "ends_at",
        ),
        ({"scope": "range", "reason": "   ", "starts_at": "2026-01-01T00:00:00Z"}, "reason"),
    ],
)
async def test_malformed_holds_are_refused_naming_the_field(
    client: httpx.AsyncClient, officer: Caller, body: dict[str, str], param: str
) -> None:
    resp = await client.post(HOLDS, headers=officer.headers, json=body)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)


async def test_a_hold_on_an_unknown_person_is_not_found(client: httpx.AsyncClient, officer: Caller) -> None:
    body = {"scope": "user", "user_email": "ghost@example.com", "reason": "m"}
    assert (await client.post(HOLDS, headers=officer.headers, json=body)).status_code == 404


async def test_released_holds_are_listed_only_when_asked_for(
    client: httpx.AsyncClient, officer: Caller
) -> None:
    body = {"scope": "range", "reason": "q1 audit", "starts_at": "2026-01-01T00:00:00Z"}
    hold = (await client.post(HOLDS, headers=officer.headers, json=body)).json()
    assert (hold["scope"], hold["user_id"], hold["ends_at"]) == ("range", None, None)
    assert hold["starts_at"].startswith("2026-01-01")
    assert (await client.post(f"{HOLDS}/{hold['id']}/release", headers=officer.headers)).is_success
    assert (await client.get(HOLDS, headers=officer.headers)).json()["data"] == []
    everything = await client.get(HOLDS, headers=officer.headers, params={"include_released": "true"})
    assert [h["id"] for h in everything.json()["data"]] == [hold["id"]]
    assert everything.json()["data"][0]["released_at"] is not None


async def test_releasing_an_unknown_hold_is_not_found(client: httpx.AsyncClient, officer: Caller) -> None:
    resp = await client.post(f"{HOLDS}/missing/release", headers=officer.headers)
    assert resp.status_code == 404


async def test_purge_dry_run_over_the_api_reports_without_deleting(
    client: httpx.AsyncClient, officer: Caller
) -> None:
    resp = await client.post(f"{PRIVACY}/purge", headers=officer.headers, json={"dry_run": True})
    assert resp.status_code == 200, resp.text
    assert resp.json()["dry_run"] is True


async def test_a_creator_cannot_reach_erasures(client: httpx.AsyncClient, creator: Caller) -> None:
    assert (await client.get(ERASURES, headers=creator.headers)).status_code == 403
    assert (await _ask(client, creator, creator.email)).status_code == 403


async def test_an_export_lists_held_requests_and_their_outcome_without_naming_reviewers(
    client: httpx.AsyncClient, components: Components, officer: Caller, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    held = await client.post(
        GEN, headers=creator.headers, json={"prompt": "a mouse mascot", "size": "256x256"}
    )
    components.policy = AllowAllPolicy()
    review_id = held.json()["error"]["review_id"]
    reviewer = await make_caller(components, roles=["reviewer"])
    decided = await client.post(
        f"/v1/limner/reviews/{review_id}/decision",
        headers=reviewer.headers,
        json={"verdict": "reject", "reason": "a trademarked character"},
    )
    assert decided.json()["status"] == "rejected"
    export = await client.post(f"{PRIVACY}/exports", headers=officer.headers, json={"email": creator.email})
    assert export.status_code == 200, export.text
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        reviews = json.loads(archive.read("reviews.json"))
    assert [r["status"] for r in reviews] == ["rejected"]
    assert reviewer.user_id not in json.dumps(reviews)
    assert reviewer.email not in json.dumps(reviews)
