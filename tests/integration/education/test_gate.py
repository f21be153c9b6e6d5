"""Integration: the training gate in front of the Images API, over HTTP.

The learner's and admin's training API: tests/integration/education/test_training_api.py.
Grading and shipped content (unit): tests/unit/education/test_quiz.py."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from limner.components import Components
from limner.db import utcnow
from limner.education.models import PolicyAcknowledgement, TrainingResult
from limner.identity.accounts import service as identity
from limner.identity.keys import service as key_service
from tests.factories import Caller, complete_training, make_caller
from tests.integration.education.images import png

GEN = "/v1/images/generations"
BODY = {"model": "limner-local", "prompt": "a lighthouse at dusk", "size": "256x256"}
ANSWERS = {"q1": "b", "q2": "b", "q3": "c", "q4": "a", "q5": "a"}


async def generate(client: httpx.AsyncClient, caller: Caller) -> httpx.Response:
    return await client.post(GEN, headers=caller.headers, json=BODY)


def assert_training_required(response: httpx.Response) -> None:
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "training_required"
    assert error["type"] == "permission_error"
    assert error["training_url"] == "https://limner.test/training"
    assert "https://limner.test/training" in error["message"]


async def test_untrained_person_gets_training_required_with_link(
    client: httpx.AsyncClient, creator: Caller
) -> None:
    assert_training_required(await generate(client, creator))


async def test_edits_are_gated_too(client: httpx.AsyncClient, creator: Caller) -> None:
    files = {"image": ("a.png", png(), "image/png")}
    data = {"model": "limner-local", "prompt": "make it teal", "size": "256x256"}
    response = await client.post("/v1/images/edits", headers=creator.headers, files=files, data=data)
    assert_training_required(response)


async def test_learner_acknowledges_passes_and_then_generates(
    client: httpx.AsyncClient, creator: Caller
) -> None:
    h = creator.headers
    policy = (await client.get("/v1/limner/training/policy", headers=h)).json()
    assert (await client.post("/v1/limner/training/policy/acknowledgements", headers=h,
                              json={"version": policy["version"]})).status_code == 201  # fmt: skip
    assert_training_required(await generate(client, creator))  # the module is still to pass
    attempt = "/v1/limner/training/modules/responsible-use/attempts"
    assert (await client.post(attempt, headers=h, json={"answers": ANSWERS})).json()["passed"] is True
    status = (await client.get("/v1/limner/training", headers=h)).json()
    assert status["complete"] is True
    assert (await generate(client, creator)).status_code == 200


async def test_service_account_keys_are_exempt(client: httpx.AsyncClient, components: Components) -> None:
    async with components.sessions.begin() as session:
        bot = await identity.get_or_create_service(session, name="render-bot", roles=["creator"])
        _, key = await key_service.create_api_key(session, owner=bot, secret_key=components.secret_key)
    response = await client.post(GEN, headers={"Authorization": f"Bearer {key}"}, json=BODY)
    assert response.status_code == 200
    status = (await client.get("/v1/limner/training", headers={"Authorization": f"Bearer {key}"})).json()
    assert status["exempt"] is True


async def test_a_new_policy_version_asks_again_but_a_correction_does_not(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await complete_training(components, creator.email)
    assert (await generate(client, creator)).status_code == 200
    publish = "/v1/limner/admin/training/policies"
    fix = {"title": "Acceptable use", "body": "# Policy\n\nTypo fixed.", "asks_again": False}
    assert (await client.post(publish, headers=admin.headers, json=fix)).json()["version"] == 2
    assert (await generate(client, creator)).status_code == 200
    new = {"title": "Acceptable use", "body": "# Policy\n\nNew rule on faces."}
    assert (await client.post(publish, headers=admin.headers, json=new)).json()["version"] == 3
    assert_training_required(await generate(client, creator))
    ack = await client.post(
        "/v1/limner/training/policy/acknowledgements", headers=creator.headers, json={"version": 3}
    )
    assert ack.status_code == 201
    assert (await generate(client, creator)).status_code == 200


async def test_renewal_after_n_days(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.settings.education.renew_days = 30
    await complete_training(components, creator.email)
    assert (await generate(client, creator)).status_code == 200
    old = utcnow() - timedelta(days=31)
    async with components.sessions.begin() as session:
        await session.execute(update(PolicyAcknowledgement).values(acknowledged_at=old))
        await session.execute(update(TrainingResult).values(completed_at=old))
    assert_training_required(await generate(client, creator))
    status = (await client.get("/v1/limner/training", headers=creator.headers)).json()
    assert status["policy_acknowledged"] is False
    assert [m["status"] for m in status["modules"]] == ["expired"]


async def test_required_false_switches_the_gate_off(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.settings.education.required = False
    assert (await generate(client, creator)).status_code == 200


async def test_a_module_retake_invalidates_earlier_passes(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await complete_training(components, creator.email)
    modules = (await client.get("/v1/limner/admin/training/modules", headers=admin.headers)).json()["data"]
    module = {
        k: v for k, v in modules[0].items() if k not in ("id", "revision", "min_revision", "updated_at")
    }
    url = "/v1/limner/admin/training/modules/responsible-use"
    edited = await client.put(url, headers=admin.headers, json={**module, "summary": "Edited."})
    assert (edited.json()["revision"], edited.json()["min_revision"]) == (2, 1)
    assert (await generate(client, creator)).status_code == 200  # an edit alone keeps passes
    retake = await client.put(url, headers=admin.headers, json={**module, "retake": True})
    assert retake.json()["min_revision"] == 3
    assert_training_required(await generate(client, creator))


async def test_other_callers_are_unaffected_by_one_persons_training(
    client: httpx.AsyncClient, components: Components
) -> None:
    trained = await make_caller(components, roles=["creator"])
    untrained = await make_caller(components, roles=["creator"])
    await complete_training(components, trained.email)
    assert (await generate(client, trained)).status_code == 200
    assert_training_required(await generate(client, untrained))
