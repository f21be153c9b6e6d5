"""Placeholders are not secrets and identifiers are not names: the whole default policy finds nothing."""

from __future__ import annotations

import pytest

from limner.imaging.actions import Action
from limner.policy.compile import compile_policy
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import PolicyContext
from limner.policy.service import default_policy_text, default_version


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return compile_policy(default_policy_text(), version=default_version())


@pytest.mark.parametrize(
    "text",
    [
        "password=changeme",
        "Authorization: Bearer <token>",
        "SECRET_KEY=${SECRET_KEY}",
        'api_key = "YOUR_API_KEY"',
        "curl -H 'Authorization: Bearer $TOKEN' https://example.com/v1/items",
        "aws_secret_access_key = <your-secret-access-key>",
        "DB_PASSWORD={{ db_password }}",
        "password=%(password)s",
        'api_key=os.environ["API_KEY"]',
        "client_secret: REPLACE_ME",
        "password=<PASSWORD>",
        "secret=your-secret-here",
        "first_name = LAST_NAME",
    ],
)
def test_placeholders_and_identifiers_find_nothing(engine: PolicyEngine, text: str) -> None:
    decision = engine.decide(text, PolicyContext())
    assert [r.finding.category for r in decision.findings] == []
    assert decision.action is Action.ALLOW


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("password=Tr0ub4dor&3xK9", "secret.password"),
        ("a letter to John Smith about the garden", "person.named"),
    ],
)
def test_real_values_next_to_them_are_still_found(engine: PolicyEngine, text: str, category: str) -> None:
    assert category in {r.finding.category for r in engine.decide(text, PolicyContext()).findings}
