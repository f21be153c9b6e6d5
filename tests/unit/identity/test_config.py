"""Unit tests: the identity settings section. [identity.quotas] belongs to usage but keeps its place in
config.toml; the identity domain's own section has no quotas (identity sits below usage). Integration
tests of the settings in use are in tests/integration/usage/test_quotas.py."""

from __future__ import annotations

from pathlib import Path

from limner.identity.config import IdentitySettings
from limner.settings import load_settings
from tests.conftest import TEST_SECRET

CONFIG = """
[identity.sessions]
idle_timeout_s = 600

[identity.quotas.per_user]
per_day = 5

[identity.quotas.groups.design]
per_month = 40
"""


def test_identity_quotas_are_read_from_the_identity_table(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    settings = load_settings(tmp_path, secret_key=TEST_SECRET)
    assert settings.identity.sessions.idle_timeout_s == 600
    assert settings.identity.quotas.per_user.per_day == 5
    assert settings.identity.quotas.groups["design"].per_month == 40


def test_the_identity_domain_section_does_not_carry_quotas() -> None:
    assert "quotas" not in IdentitySettings.model_fields
