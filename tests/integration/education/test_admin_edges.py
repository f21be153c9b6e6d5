"""Integration tests: training administration edges over HTTP — policy history, banner listing and
ending, records refused for service accounts, the report under yearly renewal, and first start-up
seeding that never reinstalls removed content.

Unit twin: tests/unit/education/test_quiz.py (grading and module status, pure)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from limner.components import Components, build_components
from limner.education.models import TrainingModule, UsePolicyVersion
from limner.education.seed import ensure_defaults, install_defaults
from limner.identity.accounts import service as identity
from limner.main import create_app
from limner.settings import Settings
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

T = "/v1/limner/training"
ADMIN = "/v1/limner/admin"
POLICY = {"title": "Acceptable use, 2027", "body": "Be kind to the model.", "asks_again": True}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The gate on, the shipped content installed (see conftest), and passes that last a year."""
    return make_settings(
        data_dir,
        education={"required": True, "renew_days": 365},
        server={"public_url": "https://limner.test"},
    )


async def test_admins_see_every_policy_version_newest_first(client: httpx.AsyncClient, admin: Caller) -> None:
    published = await client.post(f"{ADMIN}/training/policies", headers=admin.headers, json=POLICY)
    assert published.status_code == 201, published.text
    listed = (await client.get(f"{ADMIN}/training/policies", headers=admin.headers)).json()["data"]
    assert [p["version"] for p in listed] == [2, 1]
    assert listed[0]["title"] == POLICY["title"]


async def test_admins_list_ended_banners_that_learners_no_longer_see(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"message": "Maintenance on Sunday.", "level": "info"}
    banner = (await client.post(f"{ADMIN}/banners", headers=admin.headers, json=body)).json()
    assert (
        await client.post(f"{ADMIN}/banners/{banner['id']}/end", headers=admin.headers)
    ).status_code == 200
    listed = (await client.get(f"{ADMIN}/banners", headers=admin.headers)).json()["data"]
    assert [(b["id"], b["ends_at"] is not None) for b in listed] == [(banner["id"], True)]
    assert (await client.get("/v1/limner/banners", headers=creator.headers)).json()["data"] == []


async def test_ending_an_unknown_banner_is_a_404(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(f"{ADMIN}/banners/nope/end", headers=admin.headers)
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "invalid_request_error"


async def test_a_banner_that_starts_later_is_not_shown_yet(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"message": "Next year.", "level": "info", "starts_at": "2999-01-01T00:00:00Z"}
    assert (await client.post(f"{ADMIN}/banners", headers=admin.headers, json=body)).status_code == 201
    assert (await client.get("/v1/limner/banners", headers=creator.headers)).json()["data"] == []


async def test_recording_training_for_a_service_account_is_refused(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    async with components.sessions.begin() as session:
        bot = await identity.get_or_create_service(session, name="render-bot", roles=["creator"])
    resp = await client.post(
        f"{ADMIN}/training/records", headers=admin.headers, json={"email": bot.email, "all": True}
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["param"] == "email"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "someone@example.com"},  # neither a module nor all
        {"email": "x", "all": True},  # too short to be an address
    ],
)
async def test_malformed_training_records_are_400s(
    client: httpx.AsyncClient, admin: Caller, body: dict[str, object]
) -> None:
    resp = await client.post(f"{ADMIN}/training/records", headers=admin.headers, json=body)
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "invalid_request_error"


async def test_recording_an_unknown_module_is_a_404(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"email": creator.email, "module_id": "no-such-module"}
    resp = await client.post(f"{ADMIN}/training/records", headers=admin.headers, json=body)
    assert resp.status_code == 404


async def test_the_report_under_renewal_counts_a_fresh_acknowledgement(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"email": creator.email, "all": True}
    assert (
        await client.post(f"{ADMIN}/training/records", headers=admin.headers, json=body)
    ).status_code == 201
    report = (await client.get(f"{ADMIN}/training/report", headers=admin.headers)).json()
    row = next(r for r in report["rows"] if r["email"] == creator.email)
    assert (row["acknowledged_version"], row["complete"]) == (1, True)
    assert report["complete"] >= 1


async def test_seeding_installs_once_and_never_again(components: Components) -> None:
    async with components.sessions.begin() as session:
        assert await install_defaults(session) is False  # the conftest installed them already
    assert await ensure_defaults(components.sessions) is False
    async with components.sessions() as session:
        versions = (await session.execute(select(func.count()).select_from(UsePolicyVersion))).scalar_one()
    assert versions == 1


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient]]:
    """A database with no training content at all."""
    c = build_components(make_settings(tmp_path / "bare"))
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield c, client
    await c.aclose()


async def test_without_a_published_policy_the_current_one_is_a_404(
    bare: tuple[Components, httpx.AsyncClient],
) -> None:
    c, client = bare
    caller = await make_caller(c, roles=["creator"])
    resp = await client.get(f"{T}/policy", headers=caller.headers)
    assert resp.status_code == 404
    assert "No acceptable-use policy" in resp.json()["error"]["message"]


async def test_first_start_up_seeds_the_shipped_policy_and_modules(
    bare: tuple[Components, httpx.AsyncClient],
) -> None:
    c, _ = bare
    assert await ensure_defaults(c.sessions) is True
    assert await ensure_defaults(c.sessions) is False
    async with c.sessions() as session:
        modules = (await session.execute(select(func.count()).select_from(TrainingModule))).scalar_one()
    assert modules >= 1


async def test_policies_published_at_once_each_get_their_own_version(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    # Found by the fuzz test on PostgreSQL: two publishers both took the next number (a 500).
    bodies = [POLICY | {"title": f"Policy {i}"} for i in range(6)]
    published = await asyncio.gather(
        *(client.post(f"{ADMIN}/training/policies", headers=admin.headers, json=b) for b in bodies)
    )
    assert [r.status_code for r in published] == [201] * 6, [r.text for r in published]
    assert sorted(r.json()["version"] for r in published) == [2, 3, 4, 5, 6, 7]
