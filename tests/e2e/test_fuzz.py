"""The fuzz stage: schemathesis against a live `limner serve`'s /openapi.json, with an admin API key and
with a SCIM key, destructive self-operations included (the admin's own id and e-mail are fed to every
`user_id` and `email` half the time). Zero 5xx, and the admin can still sign in afterwards.

Bounded: --max-examples 20 per operation, a fixed seed. Command and result: docs/THREATS.md."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest

from tests.e2e.conftest import LiveServer, serve

pytestmark = pytest.mark.e2e
log = logging.getLogger(__name__)

SEED = "20261206"
# Revoking or rotating the key the fuzzer itself uses would end the run early: those two operations
# get a run of their own at the end (the admin may revoke their own key; they still sign in).
KEY_SELF_OPS = "^/v1/limner/admin/keys/\\{key_id\\}/(revoke|rotate)$"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {
        # Keys reach the step-up routes, so the fuzzer exercises erasure, holds and account changes.
        "LIMNER_IDENTITY__MFA__STEP_UP_ALLOWS_API_KEYS": "true",
        "LIMNER_MODERATION__ENABLED": "false",  # image checks are not what is fuzzed; keep the run short
    }
    with serve(tmp_path_factory.mktemp("fuzz"), LiveServer, env=env) as server:
        yield server


def _config(tmp_path: Path, admin_id: str, admin_email: str) -> Path:
    path = tmp_path / "schemathesis.toml"
    path.write_text(
        f'[dictionaries.own_id]\nvalues = ["{admin_id}"]\n\n'
        f'[dictionaries.own_email]\nvalues = ["{admin_email}"]\n\n'
        "[parameters]\n"
        '"path.user_id" = { dictionary = "own_id", probability = 0.5 }\n'
        '"body.email" = { dictionary = "own_email", probability = 0.5 }\n'
        '"body.user_email" = { dictionary = "own_email", probability = 0.5 }\n'
    )
    return path


def fuzz(server: LiveServer, key: str, config: Path, *filters: str) -> subprocess.CompletedProcess[str]:
    """One schemathesis run; only the not_a_server_error check decides the exit code."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
        f"{server.base_url}/openapi.json",
        "--header", f"Authorization: Bearer {key}",
        "--checks", "not_a_server_error",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", "20", "--seed", SEED, "--workers", "2",
        "--request-timeout", "120", "--no-color", "--generation-database", "none",
        "--warnings", "off",
        *filters,
    ]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, cwd=config.parent
    )


def _admin_id(server: LiveServer) -> str:
    users = httpx.get(
        f"{server.base_url}/v1/limner/admin/users", headers={"Authorization": f"Bearer {server.api_key}"}
    )
    return cast(str, next(u["id"] for u in users.json()["data"] if u["email"] == server.admin_email))


def test_fuzzing_finds_no_server_error_and_nobody_is_locked_out(
    fuzz_server: LiveServer, tmp_path: Path
) -> None:
    server = fuzz_server
    config = _config(tmp_path, _admin_id(server), server.admin_email)
    scim = server.cli("keys", "create", "--service", "okta-fuzz", "--role", "scim", "--json")
    assert scim.returncode == 0, scim.stderr
    scim_key = json.loads(scim.stdout)["api_key"]

    runs = {
        "admin key": fuzz(server, server.api_key, config, "--exclude-path-regex", KEY_SELF_OPS),
        "scim key": fuzz(server, scim_key, config, "--include-path-regex", "^/scim/"),
        "admin key, own key": fuzz(server, server.api_key, config, "--include-path-regex", KEY_SELF_OPS),
    }
    for name, run in runs.items():
        assert run.returncode == 0, f"{name}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
        assert "Server error" not in run.stdout, f"{name}:\n{run.stdout[-6000:]}"
        cases = [line.strip() for line in run.stdout.splitlines() if "generated" in line]
        assert cases, run.stdout[-3000:]  # schemathesis reported how many cases it ran
        log.info("fuzz %s: %s", name, cases[-1])  # shown with -o log_cli=true; docs/THREATS.md quotes it

    login = httpx.post(
        f"{server.base_url}/v1/limner/auth/login",
        json={"email": server.admin_email, "password": server.admin_password},
    )
    assert login.status_code == 200, login.text
    assert server.cli("users", "list", "--json").returncode == 0
    users = json.loads(server.cli("users", "list", "--json").stdout)
    admins = [u for u in users if "admin" in u["roles"] and u["status"] == "active"]
    assert any(u["email"] == server.admin_email for u in admins)
