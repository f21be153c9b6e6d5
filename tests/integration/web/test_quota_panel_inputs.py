"""Integration tests (over ASGI): the quota panel with the odd values a half-filled form sends (an unknown
model, counts that are not numbers or out of range), and an HTMX request without a session, which is told
to go to sign-in rather than given a page. Twin: tests/unit/usage/test_quota_plan.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from limner.components import Components
from limner.settings import Settings
from tests.conftest import make_settings
from tests.integration.identity.conftest import identity_overrides
from tests.integration.web.test_quota_panel import LOCAL, QUOTAS, panel, sign_in_in_design


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, **identity_overrides(quotas=QUOTAS), policy={"enabled": True})


async def test_an_unknown_model_asks_for_a_model_instead_of_failing(
    client: httpx.AsyncClient, components: Components
) -> None:
    csrf = await sign_in_in_design(client, components)
    html = await panel(client, csrf, {**LOCAL, "model": "no-such-model"})
    assert "Choose a model to see what the request costs." in html
    assert "left of" not in html


@pytest.mark.parametrize(
    ("count", "tag"),
    [("", None), ("two", None), ("0", None), ("-3", None), ("50", "Not enough left")],
    ids=["empty", "words", "zero", "negative", "clamped-to-ten"],
)
async def test_odd_counts_are_read_as_one_or_clamped_to_ten(
    client: httpx.AsyncClient, components: Components, count: str, tag: str | None
) -> None:
    csrf = await sign_in_in_design(client, components)
    html = await panel(client, csrf, {**LOCAL, "n": count})
    assert "Your images today: <strong>5</strong> left of 5" in html
    assert ("Not enough left" in html) is (tag is not None)
    assert "Nearly used up" not in html


async def test_no_model_means_the_default_model(client: httpx.AsyncClient, components: Components) -> None:
    csrf = await sign_in_in_design(client, components)
    html = await panel(client, csrf, {"size": "", "quality": "", "n": "1"})
    assert "This request: about" in html
    assert "Your images today: <strong>5</strong> left of 5" in html


async def test_an_htmx_request_without_a_session_is_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    resp = await client.post("/generate/quota", data=LOCAL, headers={"hx-request": "true"})
    assert resp.status_code == 204
    assert resp.headers["hx-redirect"] == "/"  # the home page is the sign-in page
    assert resp.content == b""
    plain = await client.post("/generate/quota", data=LOCAL)
    assert plain.status_code == 303
    assert plain.headers["location"] == "/"
