"""Integration: the training API for learners and admins (policy, quiz, records, banners, report).

The gate in front of generation: tests/integration/education/test_gate.py."""

from __future__ import annotations

import csv
import io
import json

import httpx
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.accounts.models import User
from tests.factories import Caller, make_caller

T = "/v1/limner/training"
ADMIN = "/v1/limner/admin"
ANSWERS = {"q1": "b", "q2": "b", "q3": "c", "q4": "a", "q5": "a"}


async def test_the_shipped_policy_and_module_are_there(client: httpx.AsyncClient, creator: Caller) -> None:
    policy = (await client.get(f"{T}/policy", headers=creator.headers)).json()
    assert policy["version"] == 1
    assert "Keep personal and confidential data out of prompts" in policy["body"]
    status = (await client.get(T, headers=creator.headers)).json()
    assert status == {
        "required": True,
        "exempt": False,
        "complete": False,
        "policy_version": 1,
        "policy_acknowledged": False,
        "acknowledged_version": None,
        "modules": [
            {
                "id": "responsible-use",
                "title": "Using image generation responsibly",
                "is_required": True,
                "status": "not_started",
                "passed_at": None,
            }
        ],
        "training_url": "https://limner.test/training",
    }


async def test_the_quiz_never_shows_the_answers(client: httpx.AsyncClient, creator: Caller) -> None:
    module = (await client.get(f"{T}/modules/responsible-use", headers=creator.headers)).json()
    assert len(module["questions"]) == 5
    assert module["pass_mark"] == 4
    assert "answer" not in json.dumps(module["questions"])
    assert "explanation" not in json.dumps(module["questions"])


async def test_a_failed_attempt_explains_and_is_recorded(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    wrong = {**ANSWERS, "q1": "a", "q3": "a"}
    result = (await client.post(f"{T}/modules/responsible-use/attempts", headers=creator.headers,
                                json={"answers": wrong})).json()  # fmt: skip
    assert (result["score"], result["passed"], result["wrong"]) == (3, False, ["q1", "q3"])
    assert set(result["explanations"]) == {"q1", "q3"}
    module = (await client.get(f"{T}/modules/responsible-use", headers=creator.headers)).json()
    assert module["status"] == "failed"
    async with components.sessions() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "education.module.attempted"))
        ).scalar_one()
    assert event.outcome == "failed"
    assert '"a"' not in event.data  # the chosen answers stay out of the log


async def test_unanswered_questions_and_unknown_modules_are_clear_errors(
    client: httpx.AsyncClient, creator: Caller
) -> None:
    partial = await client.post(f"{T}/modules/responsible-use/attempts", headers=creator.headers,
                                json={"answers": {"q1": "b"}})  # fmt: skip
    assert partial.status_code == 400
    assert partial.json()["error"]["param"] == "answers"
    assert "q2" in partial.json()["error"]["message"]
    missing = await client.get(f"{T}/modules/nope", headers=creator.headers)
    assert missing.status_code == 404


async def test_only_the_current_version_can_be_acknowledged(
    client: httpx.AsyncClient, creator: Caller, admin: Caller
) -> None:
    await client.post(
        f"{ADMIN}/training/policies", headers=admin.headers, json={"title": "AUP", "body": "v2"}
    )
    stale = await client.post(f"{T}/policy/acknowledgements", headers=creator.headers, json={"version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["param"] == "version"


async def test_admin_creates_a_module_with_validation(client: httpx.AsyncClient, admin: Caller) -> None:
    question = {
        "id": "q1",
        "text": "Is it ok?",
        "choices": [{"id": "y", "text": "Yes"}, {"id": "n", "text": "No"}],
    }
    bad = {"id": "faces", "title": "Faces", "body": "Text", "pass_mark": 1,
           "questions": [{**question, "answer": "maybe"}]}  # fmt: skip
    response = await client.post(f"{ADMIN}/training/modules", headers=admin.headers, json=bad)
    assert response.status_code == 400
    assert "maybe" in response.json()["error"]["message"]
    good = {**bad, "questions": [{**question, "answer": "n"}], "is_required": False}
    created = await client.post(f"{ADMIN}/training/modules", headers=admin.headers, json=good)
    assert created.status_code == 201
    again = await client.post(f"{ADMIN}/training/modules", headers=admin.headers, json=good)
    assert again.status_code == 409
    too_hard = {**good, "id": "faces-2", "pass_mark": 2}
    assert (
        await client.post(f"{ADMIN}/training/modules", headers=admin.headers, json=too_hard)
    ).status_code == 400


async def test_creators_cannot_edit_training(client: httpx.AsyncClient, creator: Caller) -> None:
    response = await client.post(
        f"{ADMIN}/training/policies", headers=creator.headers, json={"title": "AUP", "body": "anything"}
    )
    assert response.status_code == 403
    assert "education.manage" in response.json()["error"]["message"]


async def test_admin_records_a_completion_and_it_is_audited(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    body = {"email": creator.email, "all": True}
    result = (await client.post(f"{ADMIN}/training/records", headers=admin.headers, json=body)).json()
    assert result == {"email": creator.email, "modules": ["responsible-use"], "policy_version": 1}
    assert (await client.get(T, headers=creator.headers)).json()["complete"] is True
    both = await client.post(f"{ADMIN}/training/records", headers=admin.headers,
                             json={**body, "module_id": "responsible-use"})  # fmt: skip
    assert both.status_code == 400
    async with components.sessions() as session:
        actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "education.module.recorded" in actions
    assert "education.policy.acknowledged" in actions


async def test_completion_report_json_and_csv(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    async with components.sessions.begin() as session:
        user = await session.get(User, creator.user_id)
        assert user is not None
        user.display_name = '=HYPERLINK("http://evil")'
    await client.post(
        f"{ADMIN}/training/records", headers=admin.headers, json={"email": creator.email, "all": True}
    )
    auditor = await make_caller(components, roles=["auditor"])
    report = (await client.get(f"{ADMIN}/training/report", headers=auditor.headers)).json()
    rows = {row["email"]: row for row in report["rows"]}
    assert rows[creator.email]["complete"] is True
    assert rows[admin.email]["modules"] == {"responsible-use": "not_started"}
    assert (report["complete"], report["total"]) == (1, 3)
    response = await client.get(f"{ADMIN}/training/report", headers=auditor.headers, params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    line = next(r for r in table if r["email"] == creator.email)
    assert (line["responsible-use"], line["complete"], line["acknowledged_version"]) == ("passed", "yes", "1")
    assert line["display_name"].startswith("'=")  # a spreadsheet will not run it
    denied = await client.get(f"{ADMIN}/training/report", headers=creator.headers)
    assert denied.status_code == 403


async def test_banners_show_while_active_and_end(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"message": "The acceptable-use policy changes on Monday.", "level": "important"}
    banner = (await client.post(f"{ADMIN}/banners", headers=admin.headers, json=body)).json()
    shown = (await client.get("/v1/limner/banners", headers=creator.headers)).json()["data"]
    assert [b["message"] for b in shown] == [body["message"]]
    assert (
        await client.post(f"{ADMIN}/banners/{banner['id']}/end", headers=admin.headers)
    ).status_code == 200
    assert (await client.get("/v1/limner/banners", headers=creator.headers)).json()["data"] == []
    again = await client.post(f"{ADMIN}/banners/{banner['id']}/end", headers=admin.headers)
    assert again.status_code == 409
    backwards = {**body, "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}
    bad = await client.post(f"{ADMIN}/banners", headers=admin.headers, json=backwards)
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "ends_at")
