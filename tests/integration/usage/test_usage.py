"""Integration: usage per person, group, key, model and day from real requests through the API, with
cost from the price table and policy and review outcomes; the `limner usage` CLI on a data dir."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from limner.cli.main import app as cli
from limner.components import Components, build_components
from limner.db import utcnow
from limner.identity.accounts import groups
from limner.imaging.actions import Action
from limner.main import create_app
from limner.policy.engine import AllowAllPolicy
from limner.settings import load_settings
from tests.factories import Caller, FixedPolicy, complete_training, make_caller

DALLE3 = {"model": "dall-e-3", "prompt": "a kite", "size": "1024x1024", "quality": "standard"}
DALLE2 = {"model": "dall-e-2", "prompt": "a kite", "size": "256x256", "n": 2}


async def traffic(client: httpx.AsyncClient, c: Components, alice: Caller, bob: Caller) -> str:
    for _ in range(2):
        assert (
            await client.post("/v1/images/generations", json=DALLE3, headers=alice.headers)
        ).status_code == 200
    assert (await client.post("/v1/images/generations", json=DALLE2, headers=bob.headers)).status_code == 200
    c.policy = FixedPolicy(Action.BLOCK)
    assert (await client.post("/v1/images/generations", json=DALLE2, headers=bob.headers)).status_code == 400
    c.policy = FixedPolicy(Action.WARN)
    assert (await client.post("/v1/images/generations", json=DALLE2, headers=bob.headers)).status_code == 200
    c.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    held = await client.post("/v1/images/generations", json=DALLE3, headers=alice.headers)
    c.policy = AllowAllPolicy()
    return str(held.json()["error"]["review_id"])


async def test_usage_by_every_dimension(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    alice, bob = (
        await make_caller(components, roles=["creator"]),
        await make_caller(components, roles=["creator"]),
    )
    reviewer = await make_caller(components, roles=["reviewer"])
    async with components.sessions.begin() as session:
        design = await groups.create_group(session, name="design")
        await groups.add_members(session, design, [bob.user_id])
    review_id = await traffic(client, components, alice, bob)
    decided = await client.post(
        f"/v1/limner/reviews/{review_id}/decision",
        headers=reviewer.headers,
        json={"verdict": "reject", "reason": "protected character"},
    )
    assert decided.status_code == 200

    by_user = (await client.get("/v1/limner/usage?by=user", headers=admin.headers)).json()["data"]
    rows = {r["key"]: r for r in by_user}
    assert rows[alice.email] == {
        "key": alice.email,
        "requests": 3,
        "images": 2,
        "cost_usd": 0.08,
        "blocked": 0,
        "warned": 0,
        "redacted": 0,
        "held": 1,
        "approved": 0,
        "rejected": 1,
    }
    assert rows[bob.email] == {
        "key": bob.email,
        "requests": 3,
        "images": 4,
        "cost_usd": 0.064,
        "blocked": 1,
        "warned": 1,
        "redacted": 0,
        "held": 0,
        "approved": 0,
        "rejected": 0,
    }
    assert [r["key"] for r in by_user] == [alice.email, bob.email]  # most expensive first

    by_group = (await client.get("/v1/limner/usage?by=group", headers=admin.headers)).json()["data"]
    assert {r["key"]: r["images"] for r in by_group} == {"design": 4, "(no group)": 2}
    by_model = (await client.get("/v1/limner/usage?by=model", headers=admin.headers)).json()["data"]
    assert {r["key"]: (r["requests"], r["cost_usd"]) for r in by_model} == {
        "dall-e-3": (3, 0.08),
        "dall-e-2": (3, 0.064),
    }
    by_key = (await client.get("/v1/limner/usage?by=key", headers=admin.headers)).json()["data"]
    assert {r["key"] for r in by_key} == {alice.key_id, bob.key_id}
    today = f"{utcnow():%Y-%m-%d}"
    by_day = (await client.get("/v1/limner/usage?by=day", headers=admin.headers)).json()["data"]
    assert [(r["key"], r["images"]) for r in by_day] == [(today, 6)]
    daily = (await client.get("/v1/limner/usage?by=model&daily=true", headers=admin.headers)).json()["data"]
    assert {r["day"] for r in daily} == {today}


async def test_bad_period_and_missing_permission(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    bad = await client.get("/v1/limner/usage?since=soon", headers=admin.headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "since"
    wrong = await client.get("/v1/limner/usage?by=planet", headers=admin.headers)
    assert wrong.status_code == 400
    assert (await client.get("/v1/limner/usage", headers=creator.headers)).status_code == 403
    empty = await client.get("/v1/limner/usage?since=1h", headers=admin.headers)
    assert empty.json()["data"] == []


def test_cli_usage_json_csv_and_table(tmp_path: Path) -> None:
    runner = CliRunner()
    data_dir = tmp_path / "data"
    assert runner.invoke(cli, ["init", "--data-dir", str(data_dir), "--json"]).exit_code == 0

    async def generate() -> str:
        c = build_components(load_settings(data_dir))
        try:
            caller = await make_caller(c, roles=["creator"])
            await complete_training(c, caller.email)
            transport = httpx.ASGITransport(app=create_app(components=c))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                body = {"model": "limner-local", "prompt": "a kite", "size": "256x256", "n": 2}
                assert (
                    await client.post("/v1/images/generations", json=body, headers=caller.headers)
                ).status_code == 200
            return caller.email
        finally:
            await c.aclose()

    email = asyncio.run(generate())
    d = ["--data-dir", str(data_dir)]
    as_json = runner.invoke(cli, ["usage", "--by", "user", "--since", "1d", "--json", *d])
    assert as_json.exit_code == 0, as_json.output
    [row] = json.loads(as_json.output)
    assert (row["key"], row["images"], row["cost_usd"]) == (email, 2, 0.0)
    as_csv = runner.invoke(cli, ["usage", "--by", "model", "--csv", "--daily", *d])
    [record] = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert (record["key"], record["images"], record["day"]) == ("limner-local", "2", f"{utcnow():%Y-%m-%d}")
    table = runner.invoke(cli, ["usage", "--by", "key", *d])
    assert table.output.splitlines()[0].split()[:3] == ["key", "requests", "images"]
    bad = runner.invoke(cli, ["usage", "--by", "planet", *d])
    assert bad.exit_code == 2
    assert "--by must be one of" in bad.output
