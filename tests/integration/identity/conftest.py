"""Identity test fixtures (integration): http-friendly session cookies, sign-in helpers, the OIDC provider."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from limner.components import Components
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_user

ORIGIN = "http://testserver"
PASSWORD = "correct horse battery staple"
OIDC_DIR = Path(__file__).resolve().parents[2] / "oidc"


def identity_overrides(**identity: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sessions": {"cookie_secure": False},  # the ASGI test client speaks http
        "mfa": {"rp_id": "testserver", "origin": ORIGIN},
    }
    base.update(identity)
    return {"identity": base, "server": {"public_url": ORIGIN}}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, **identity_overrides())


async def person(c: Components, roles: list[str], email: str | None = None) -> str:
    user = await make_user(c, roles=roles, email=email, password=PASSWORD)
    return user.email


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Password sign-in; returns the JSON body (status, csrf_token). The client keeps the cookie."""
    response = await client.post("/v1/limner/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_provider(port: int, redirect_uris: str) -> subprocess.Popen[bytes]:
    """`node tests/oidc/provider.mjs`; fails (never skips) when node or the npm packages are missing."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("run `npm ci --prefix tests/oidc` first: the OIDC provider fixture is not installed")
    env = {**os.environ, "PORT": str(port), "REDIRECT_URIS": redirect_uris}
    proc = subprocess.Popen(
        ["node", str(OIDC_DIR / "provider.mjs")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"oidc-provider exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("oidc-provider did not serve its discovery document within 20 s")


def stop_provider(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def oidc_issuer() -> Iterator[str]:
    port = free_port()
    callbacks = f"{ORIGIN}/v1/limner/auth/oidc/corp/callback,{ORIGIN}/v1/limner/auth/oidc/other/callback"
    proc = start_provider(port, callbacks)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_provider(proc)
