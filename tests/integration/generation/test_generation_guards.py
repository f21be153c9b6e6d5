"""Integration tests, over HTTP: guards of the generation pipeline not tied to one backend: text that is
not valid Unicode, HD quality without its permission, a rewritten prompt that would need review, and the
janitor job that runs the crash clean-up. Every refusal is a 4xx in OpenAI's error shape and stores no
image. Twin: tests/unit/generation/test_validation.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from limner.components import Components, build_components
from limner.generation.jobs import JANITOR_GRACE, generation_jobs, janitor
from limner.identity.accounts import service as identity
from limner.identity.keys import service as key_service
from limner.imaging.actions import Action
from limner.imaging.records import Generation, ImageRecord
from limner.main import create_app
from limner.policy.schemas import Decision, PolicyContext
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, FixedPolicy

GEN = "/v1/images/generations"


class RewriteNeedsReview:
    """Allows every prompt a person writes; sends the backend's rewrite of it to review."""

    version = "stage-1"

    def __init__(self) -> None:
        self.stages: list[str] = []

    async def prepare(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        self.stages.append(context.stage)
        if context.stage != "revised_prompt":
            return Decision(action=Action.ALLOW, policy_version=self.version)
        held = await FixedPolicy(Action.REVIEW, ("ip.trademark",)).evaluate(text, context=context)
        return Decision(
            action=held.action,
            findings=held.findings,
            policy_version=self.version,
            explanation=held.explanation,
            categories=held.categories,
        )


async def custom_caller(c: Components, role: str) -> Caller:
    async with c.sessions.begin() as session:
        user = await identity.create_user(
            session, email=f"{role}@example.com", roles=[role], custom_roles=c.settings.identity.custom_roles
        )
        _, key = await key_service.create_api_key(session, owner=user, secret_key=c.secret_key)
    return Caller(user_id=user.id, email=user.email, api_key=key, key_id="")


async def stored_outputs(c: Components) -> int:
    async with c.sessions() as session:
        query = select(func.count()).select_from(ImageRecord).where(ImageRecord.role == "output")
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"model": "limner-local", "prompt": "a kite \\ud800 over the sea"}', "unpaired surrogate"),
        (b'{"model": "limner-local", "prompt": "a kite", "user": "\\udfff"}', "'user'"),
    ],
)
async def test_a_lone_surrogate_is_a_400_and_nothing_is_recorded(
    client: httpx.AsyncClient, components: Components, admin: Caller, body: bytes, message: str
) -> None:
    resp = await client.post(GEN, headers={**admin.headers, "content-type": "application/json"}, content=body)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert message in error["message"]
    async with components.sessions() as session:
        assert (await session.execute(select(Generation))).first() is None


async def test_hd_quality_needs_its_own_permission(tmp_path: Path) -> None:
    plain = ["images.generate", "images.read", "model:*"]
    settings = make_settings(tmp_path / "data", identity={"custom_roles": {"sketcher": plain}})
    c = build_components(settings)
    await create_schema(c.engine)
    try:
        caller = await custom_caller(c, "sketcher")
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = {"model": "dall-e-3", "prompt": "a red kite", "size": "1024x1024"}
            refused = await client.post(GEN, headers=caller.headers, json={**body, "quality": "hd"})
            standard = await client.post(GEN, headers=caller.headers, json={**body, "quality": "standard"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["param"] == "quality"
        assert "quality:hd" in refused.json()["error"]["message"]
        assert standard.status_code == 200, standard.text
        assert await stored_outputs(c) == 1
    finally:
        await c.aclose()


async def test_a_rewritten_prompt_that_needs_review_is_refused_not_held(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    policy = RewriteNeedsReview()
    components.policy = policy
    resp = await client.post(GEN, headers=creator.headers, json={"model": "dall-e-3", "prompt": "a red kite"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "revised_prompt_blocked"
    assert "revised_prompt" in policy.stages
    assert await stored_outputs(components) == 0
    async with components.sessions() as session:
        statuses = list((await session.execute(select(Generation.status))).scalars())
    assert "held" not in statuses


def test_the_janitor_runs_every_quarter_hour() -> None:
    [job] = generation_jobs()
    assert (job.name, job.interval_s) == ("vault.janitor", 900.0)
    assert job.run is janitor


async def test_the_janitor_cleans_up_past_its_grace_period_only(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    resp = await client.post(GEN, headers=creator.headers, json={"model": "fake-model", "prompt": "a kite"})
    assert resp.status_code == 200
    async with components.sessions() as session:
        report = await janitor(components, session)
    assert report.as_json() == {"orphans_deleted": 0, "abandoned": []}  # type: ignore[attr-defined]
    assert JANITOR_GRACE.total_seconds() == 3600
    assert await stored_outputs(components) == 1
