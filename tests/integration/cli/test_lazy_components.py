"""Integration tests: a CLI verb builds only the parts of Components it uses (through Typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from limner import components
from limner.cli.main import app
from tests.conftest import make_settings

runner = CliRunner()
EXPENSIVE = ("build_moderators", "build_backend", "build_image_work", "build_provenance", "build_verifier")


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the expensive builders that ran, in order."""
    calls: list[str] = []
    for name in EXPENSIVE:
        original = getattr(components, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(components, name, spy)
    return calls


def test_users_list_builds_no_moderator_backend_or_image_work(tmp_path: Path, built: list[str]) -> None:
    data_dir = str(tmp_path / "data")
    init = runner.invoke(app, ["init", "--data-dir", data_dir, "--json"])
    assert init.exit_code == 0, init.output
    built.clear()
    listed = runner.invoke(app, ["users", "list", "--data-dir", data_dir, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [u["email"] for u in json.loads(listed.output)] == [json.loads(init.output)["admin_email"]]
    assert built == []


async def test_the_server_builds_every_serving_part_at_start(tmp_path: Path, built: list[str]) -> None:
    c = components.build_components(make_settings(tmp_path / "data"))
    assert built == []
    c.build_all()
    await c.aclose()
    assert {"build_backend", "build_image_work", "build_moderators", "build_provenance"} <= set(built)
