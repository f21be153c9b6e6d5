"""Integration tests: the real default policy inside the generation flow, versions and the CLI.

Unit twins: tests/unit/policy/ (rules, documents) and tests/unit/policy/detectors/ (detector tables)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from limner.cli.main import app as cli
from limner.components import Components, build_components
from limner.errors import ConfigError
from limner.generation.backends.fake import FakeConfig
from limner.imaging.catalog import ModelSpec
from limner.main import create_app
from limner.policy import service
from limner.settings import load_settings
from tests.conftest import catalog_for_tests, create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient, Caller]]:
    settings = make_settings(
        tmp_path / "data",
        policy={"enabled": True, "refresh_s": 0},
        generation={
            "backends": {
                "local": {"kind": "local"},
                "reviser": {"kind": "local", "revise_prompts": True},
                "fake": FakeConfig(revised_prompt="a photo of a naked woman, nude, explicit"),
                "recorder": FakeConfig(),
            },
            "models": [*catalog_for_tests(), ModelSpec(id="recorder", backend="recorder", family="local")],
        },
    )
    c = build_components(settings)
    await create_schema(c.engine)
    app: FastAPI = create_app(components=c)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield c, client, await make_caller(c, roles=["creator"])
    await c.aclose()


async def test_secrets_are_blocked_and_never_echoed(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    _, client, caller = guarded
    key = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    resp = await client.post(GEN, headers=caller.headers, json={"prompt": f"a poster with the token {key}"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "content_policy_violation"
    assert "secret." in error["message"]
    assert key not in resp.text


async def test_personal_data_is_redacted_before_it_goes_upstream(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    c, client, caller = guarded
    resp = await client.post(
        GEN,
        headers=caller.headers,
        json={"model": "recorder", "prompt": "a thank-you card for ana.lopez@example.com with sunflowers"},
    )
    assert resp.status_code == 200
    sent = c.backends["recorder"].requests[-1].prompt  # type: ignore[attr-defined]
    assert sent == "a thank-you card for [PII_EMAIL] with sunflowers"


async def test_the_revised_prompt_is_checked_too(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    _, client, caller = guarded
    resp = await client.post(GEN, headers=caller.headers, json={"model": "fake-model", "prompt": "a beach"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "revised_prompt_blocked"


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("Barack Obama being arrested by police, realistic photo", "person.public_figure"),
        ("a naked woman lying on a bed, explicit", "harm.sexual"),
    ],
)
async def test_responsible_use_categories_are_blocked(
    guarded: tuple[Components, httpx.AsyncClient, Caller], prompt: str, category: str
) -> None:
    _, client, caller = guarded
    resp = await client.post(GEN, headers=caller.headers, json={"prompt": prompt})
    assert resp.status_code == 400
    assert category in resp.json()["error"]["message"]


async def test_benign_prompts_pass(guarded: tuple[Components, httpx.AsyncClient, Caller]) -> None:
    _, client, caller = guarded
    for prompt in ("a photo of a bench", "a man shooting a photo of a sunset", "two cats playing chess"):
        resp = await client.post(GEN, headers=caller.headers, json={"prompt": prompt, "size": "256x256"})
        assert resp.status_code == 200, (prompt, resp.text)


async def test_a_new_policy_version_takes_effect_and_is_audited(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    c, client, caller = guarded
    text = service.default_policy_text().replace(
        "person.public_figure: {action: block}", "person.public_figure: {action: allow}"
    )
    async with c.sessions.begin() as session:
        row = await service.save_policy(session, text=text, actor_id=None)
    resp = await client.post(
        GEN, headers=caller.headers, json={"prompt": "Barack Obama giving a speech", "size": "256x256"}
    )
    assert resp.status_code == 200, resp.text
    assert c.policy.version == row.version
    with pytest.raises(ConfigError, match="line"):
        async with c.sessions.begin() as session:
            await service.save_policy(
                session, text="detectors: []\nrules:\n  pii.*: {action: nope}\n", actor_id=None
            )


def test_scan_reports_decisions_and_bad_lines(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "a lighthouse at dusk"}),
                json.dumps({"id": 2, "text": "mail ana.lopez@example.com a card"}),
                "{not json",
                json.dumps({"id": 4, "text": 5}),
                json.dumps({"id": 5, "text": "AKIAZ7XH3QWERTYUIOP1 is the key"}),
            ]
        )
        + "\n"
    )
    result = CliRunner().invoke(
        cli, ["scan", "--input", str(source), "--output", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 1, result.output  # two lines failed
    assert "scanned 5 line(s): allow 1, block 1, redact 1; 2 failed" in result.output
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["id"], r["action"]) for r in rows] == [(1, "allow"), (2, "redact"), (5, "block")]
    assert "[PII_EMAIL]" in rows[1]["redacted_text"]
    assert set(rows[2]["findings"][0]) == {"category", "detector", "start", "end", "score"}
    assert "line 3" in result.output
    assert "line 4" in result.output


def test_scan_refuses_an_invalid_policy_with_its_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("detectors: []\nrules:\n  secret.*: {action: shrug}\n")
    result = CliRunner().invoke(cli, ["scan", "--policy", str(policy), "--input", "-"], input="")
    assert result.exit_code == 1
    assert "line 3" in result.output


async def test_policy_dry_run_replays_stored_prompts(tmp_path: Path) -> None:
    runner, data_dir = CliRunner(), tmp_path / "data"
    init = await asyncio.to_thread(runner.invoke, cli, ["init", "--data-dir", str(data_dir), "--json"])
    creds = json.loads(init.output)
    train = ["training", "record", "--user", creds["admin_email"], "--all", "--data-dir", str(data_dir)]
    assert (await asyncio.to_thread(runner.invoke, cli, train)).exit_code == 0
    c = build_components(load_settings(data_dir))
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for prompt in ("Barack Obama waving", "a red kite over a field"):
            await client.post(
                GEN,
                headers={"Authorization": f"Bearer {creds['api_key']}"},
                json={"prompt": prompt, "size": "256x256"},
            )
    await c.aclose()
    candidate = tmp_path / "open.yaml"
    candidate.write_text(
        service.default_policy_text().replace(
            "person.public_figure: {action: block}", "person.public_figure: {action: allow}"
        )
    )
    args = ["policy", "test", str(candidate), "--since", "1d", "--data-dir", str(data_dir), "--json"]
    result = await asyncio.to_thread(runner.invoke, cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["prompts"] == 2
    assert report["transitions"] == {"block->allow": 1, "allow->allow": 1}
    assert report["categories_removed"] == {}
