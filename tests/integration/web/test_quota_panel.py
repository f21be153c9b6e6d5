"""The quota panel on the Generate page (integration, over ASGI): what is left for the person and their
group, the request's cost before Generate is pressed, a warning near the limit, and the quota falling
after a request. The counters themselves: tests/integration/usage/test_quotas.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from limner.components import Components
from limner.identity.accounts import groups
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_user
from tests.integration.identity.conftest import PASSWORD, identity_overrides
from tests.integration.web.conftest import enrol_totp, home_csrf

QUOTAS = {"per_user": {"per_day": 5}, "groups": {"design": {"budget_usd_per_month": "0.05"}}, "warn_at": 0.8}
DALLE3 = {"model": "dall-e-3", "size": "1024x1024", "quality": "standard", "n": "1"}
LOCAL = {"model": "limner-local", "size": "256x256", "n": "1"}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, **identity_overrides(quotas=QUOTAS), policy={"enabled": True})


async def sign_in_in_design(client: httpx.AsyncClient, c: Components) -> str:
    """A creator in the group "design" (joined before signing in), signed in; returns the CSRF token."""
    user = await make_user(c, roles=["creator"], password=PASSWORD)
    async with c.sessions.begin() as session:
        group = await groups.create_group(session, name="design")
        await groups.add_members(session, group, [user.id])
    signed = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert signed.status_code == 303, signed.text
    if signed.headers["location"] == "/mfa/enrol":
        await enrol_totp(client)
    return await home_csrf(client)


async def panel(client: httpx.AsyncClient, csrf: str, form: dict[str, str]) -> str:
    response = await client.post("/generate/quota", data=form, headers={"x-csrf-token": csrf})
    assert response.status_code == 200, response.text
    return response.text


async def test_generate_page_shows_what_is_left_and_the_request_cost(
    client: httpx.AsyncClient, components: Components
) -> None:
    await sign_in_in_design(client, components)
    home = (await client.get("/")).text
    assert 'id="quota-heading">Quota and cost</h2>' in home
    assert "Your images today: <strong>5</strong> left of 5" in home
    assert "Group design: images" not in home  # the group has a budget, not an image limit


async def test_panel_prices_the_request_as_the_settings_change(
    client: httpx.AsyncClient, components: Components
) -> None:
    csrf = await sign_in_in_design(client, components)
    priced = await panel(client, csrf, DALLE3)
    assert "about <strong>$0.04</strong>" in priced
    assert "Group design: budget this month: <strong>$0.05</strong> left of $0.05" in priced
    assert "Nearly used up" in priced  # $0.04 of $0.05 passes 80 %
    free = await panel(client, csrf, LOCAL)
    assert "about <strong>$0.00</strong>" in free
    assert "no charge for this model" in free
    assert "Nearly used up" not in free


@pytest.mark.parametrize(
    ("count", "tag"),
    [("3", None), ("4", "Nearly used up"), ("5", "Nearly used up"), ("6", "Not enough left")],
)
async def test_warning_appears_as_the_count_nears_the_limit(
    client: httpx.AsyncClient, components: Components, count: str, tag: str | None
) -> None:
    csrf = await sign_in_in_design(client, components)
    html = await panel(client, csrf, {**LOCAL, "n": count})
    assert "Your images today: <strong>5</strong> left of 5" in html
    tags = {t for t in ("Nearly used up", "Not enough left") if t in html}
    assert tags == ({tag} if tag else set())
    assert ("Warning:" in html) is (tag is not None)


async def test_quota_falls_after_generating(client: httpx.AsyncClient, components: Components) -> None:
    csrf = await sign_in_in_design(client, components)
    result = await client.post("/generate", data={**LOCAL, "n": "2", "prompt": "a kite", "csrf_token": csrf})
    assert result.status_code == 200, result.text
    assert "Your images today: <strong>3</strong> left of 5" in result.text


async def test_without_limits_the_panel_says_so(client: httpx.AsyncClient, components: Components) -> None:
    components.settings.identity.quotas.per_user.per_day = None
    csrf = await sign_in_in_design(client, components)
    components.settings.identity.quotas.groups.clear()
    assert "No image limits apply to you." in await panel(client, csrf, LOCAL)
