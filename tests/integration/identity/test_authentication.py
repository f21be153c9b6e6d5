"""Integration: the identity chain fails closed: an exception inside a backend denies the request
(503 when the database is down, 401 otherwise) and never falls through to the next credential.

Twin: tests/unit/identity/test_authentication.py (reading credentials off a request)."""

from __future__ import annotations

import httpx
import pytest

from limner.components import Components
from limner.identity import authentication
from tests.factories import Caller
from tests.integration.identity.conftest import person, sign_in

ME = "/v1/limner/auth/me"


def broken(error: BaseException) -> object:
    async def fail(*_: object, **__: object) -> None:
        raise error

    return fail


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError("bug"), 401), (ConnectionError("db down"), 503)],
    ids=["bug", "database-down"],
)
async def test_a_broken_key_backend_denies_even_with_a_valid_session_cookie(
    client: httpx.AsyncClient,
    components: Components,
    creator: Caller,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    status: int,
) -> None:
    await sign_in(client, await person(components, ["creator"]))
    assert (await client.get(ME)).status_code == 200
    monkeypatch.setattr(authentication, "authenticate_api_key", broken(error))
    denied = await client.get(ME, headers=creator.headers)
    assert denied.status_code == status
    assert (denied.headers.get("retry-after") == "1") is (status == 503)
    assert "bug" not in denied.text
    assert (await client.get(ME)).status_code == 200  # the cookie alone still works


async def test_a_broken_session_backend_denies(
    client: httpx.AsyncClient, components: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client, await person(components, ["creator"]))
    monkeypatch.setattr(authentication, "find_signed_in", broken(KeyError("row")))
    denied = await client.get(ME)
    assert denied.status_code == 401
    assert denied.json()["error"]["message"] == "We could not verify your credentials."
