"""Unit tests: the review queue's settings and decision body — a webhook is never sent unsigned, the
SLA is positive, a decision is approve or reject with a reason.

Integration twin: tests/integration/review/test_review_api.py."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from limner.review.config import ReviewSettings
from limner.review.schemas import DecisionBody

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"webhook_url": "https://hooks.example.com/review"}, "webhook_secret"),
        ({"webhook_url": "https://hooks.example.com/review", "webhook_secret": "plain"}, "at least 16 bytes"),
        ({"sla_hours": 0}, "greater than 0"),
        ({"sla_hours": -3}, "greater than 0"),
    ],
)
def test_review_settings_refuse_unsigned_webhooks_and_empty_slas(values: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        ReviewSettings.model_validate(values)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"webhook_url": "https://hooks.example.com/review", "webhook_secret": SECRET},
        {"webhook_secret": SECRET},  # a secret alone sends nothing, and is harmless
        {"sla_hours": 0.5, "two_person_categories": []},
    ],
)
def test_review_settings_accept_signed_webhooks_and_positive_slas(values: dict[str, Any]) -> None:
    settings = ReviewSettings.model_validate(values)
    assert settings.sla_hours > 0
    assert (settings.webhook_url is None) or (settings.webhook_secret is not None)


def test_by_default_harm_moderation_and_public_figures_need_two_people() -> None:
    assert ReviewSettings().two_person_categories == ["harm.*", "moderation.*", "person.public_figure"]


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"verdict": "approve", "reason": "fits the policy"}, True),
        ({"verdict": "reject", "reason": "x"}, True),
        ({"verdict": "maybe", "reason": "unsure"}, False),
        ({"verdict": "approve", "reason": ""}, False),
        ({"verdict": "approve", "reason": "r" * 1001}, False),
        ({"verdict": "approve"}, False),
    ],
)
def test_a_decision_is_approve_or_reject_with_a_bounded_reason(body: dict[str, Any], valid: bool) -> None:
    if valid:
        assert DecisionBody.model_validate(body).verdict == body["verdict"]
    else:
        with pytest.raises(ValidationError):
            DecisionBody.model_validate(body)
