"""Unit tests: the error tree renders OpenAI's error object (integration twin: generation/test_routes.py)."""

from __future__ import annotations

from limner.errors import (
    ContentPolicyViolation,
    HeldForReview,
    InvalidRequestError,
    LimnerError,
    QuotaExceededError,
    UpstreamTimeoutError,
)


def test_body_has_exactly_openais_four_keys() -> None:
    body = InvalidRequestError("bad size", param="size").body()
    assert body == {
        "error": {
            "message": "bad size",
            "type": "invalid_request_error",
            "param": "size",
            "code": "invalid_request",
        }
    }


def test_statuses_and_codes_follow_openai() -> None:
    cases = [
        (ContentPolicyViolation("x", categories=["harm.sexual"]), 400, "content_policy_violation"),
        (HeldForReview("x", review_id="r1"), 403, "held_for_review"),
        (QuotaExceededError("x", retry_after_s=30), 429, "quota_exceeded"),
        (UpstreamTimeoutError("x"), 504, "upstream_timeout"),
        (LimnerError("x"), 500, "server_error"),
    ]
    assert [(e.status, e.code) for e, _, _ in cases] == [(s, c) for _, s, c in cases]


def test_held_for_review_carries_the_review_id_in_header_and_body() -> None:
    exc = HeldForReview("held", review_id="rev_1")
    assert exc.headers == {"x-limner-review-id": "rev_1"}
    assert exc.body()["error"]["review_id"] == "rev_1"


def test_quota_error_sets_retry_after() -> None:
    assert QuotaExceededError("over", retry_after_s=0).headers == {"retry-after": "1"}
