"""Unit tests for mapping vendor error answers onto Limner errors (no network).

The same mapping is exercised over loopback in tests/integration/generation/backends/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from limner.errors import ContentPolicyViolation, UpstreamError
from limner.generation.backends._upstream_errors import error_from_response

OPENAI_POLICY = {
    "error": {
        "message": "Your request was rejected as a result of our safety system.",
        "type": "invalid_request_error",
        "param": None,
        "code": "content_policy_violation",
    }
}
MODERATION = {
    "error": {
        "message": "Rejected by the safety system. safety_violations=[sexual, self-harm].",
        "type": "image_generation_user_error",
        "param": None,
        "code": "moderation_blocked",
        "moderation_details": {"moderation_stage": "input", "categories": ["sexual"]},
    }
}
AZURE_IMAGE_FILTER = {
    "error": {
        "code": "content_policy_violation",
        "inner_error": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_results": {
                "violence": {"filtered": True, "severity": "high"},
                "jailbreak": {"detected": False, "filtered": False},
            },
        },
        "message": "Your request was rejected as a result of our safety system.",
        "type": "invalid_request_error",
    }
}
AZURE_CHAT_STYLE_FILTER = {
    "error": {
        "message": "The response was filtered.",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {
                "custom_blocklists": [{"filtered": True, "id": "names"}],
                "hate": {"filtered": False, "severity": "safe"},
            },
        },
    }
}
AZURE_LEGACY = {"created": 1698435368, "error": {"code": "contentFilter", "message": "Your task failed."}}


def _response(status: int, body: Any = None, *, text: str | None = None, **headers: str) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "body", "categories", "provider_code"),
    [
        (400, OPENAI_POLICY, [], "content_policy_violation"),
        (400, MODERATION, ["moderation.self_harm", "moderation.sexual"], "moderation_blocked"),
        (400, AZURE_IMAGE_FILTER, ["moderation.violence"], "content_policy_violation"),
        (400, AZURE_CHAT_STYLE_FILTER, ["moderation.custom_blocklists"], "content_filter"),
        (400, AZURE_LEGACY, [], "contentFilter"),
        (200, AZURE_LEGACY, [], "contentFilter"),
    ],
)
def test_vendor_safety_blocks_become_content_policy_violations(
    status: int, body: dict[str, Any], categories: list[str], provider_code: str
) -> None:
    error = error_from_response(_response(status, body), redact=None)
    assert isinstance(error, ContentPolicyViolation)
    assert (error.status, error.code, error.categories) == (400, "content_policy_violation", categories)
    assert f"provider code: {provider_code}" in error.message


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "upstream_bad_request"),
        (404, "upstream_not_found"),
        (409, "upstream_rejected"),
        (413, "upstream_rejected"),
        (422, "upstream_bad_request"),
        (429, "upstream_rate_limited"),
        (500, "upstream_unavailable"),
        (503, "upstream_unavailable"),
    ],
)
def test_other_statuses_become_502_with_a_documented_code(status: int, code: str) -> None:
    body = {
        "error": {"message": "Invalid size.", "type": "invalid_request_error", "param": "size", "code": "x"}
    }
    error = error_from_response(_response(status, body), redact=None)
    assert type(error) is UpstreamError
    assert (error.status, error.code) == (502, code)
    assert f"HTTP {status}" in error.message


def test_bad_request_keeps_the_vendor_param_and_code() -> None:
    body = {
        "error": {"message": "Invalid size '9x9'.", "type": "t", "param": "size", "code": "invalid_value"}
    }
    error = error_from_response(_response(400, body), redact=None)
    assert error.param == "size"
    assert "provider code: invalid_value" in error.message
    assert "Invalid size '9x9'." in error.message


@pytest.mark.parametrize("status", [401, 403])
def test_vendor_credential_failures_never_echo_the_vendor_message(status: int) -> None:
    body = {"error": {"message": "Incorrect API key provided: sk-abc***xyz.", "code": "invalid_api_key"}}
    error = error_from_response(_response(status, body), redact=None)
    assert (error.status, error.code) == (502, "upstream_auth_failed")
    assert "sk-" not in error.message
    assert "credentials" in error.message


def test_prompt_echoed_by_the_vendor_is_redacted() -> None:
    prompt = "quarterly numbers for ACME-SECRET-42"
    body = {"error": {"message": f"Could not process '{prompt}'.", "type": "t", "param": None, "code": None}}
    error = error_from_response(_response(400, body), redact=prompt)
    assert prompt not in error.message
    assert "[prompt]" in error.message


def test_long_vendor_messages_are_cut() -> None:
    body = {"error": {"message": "x" * 5000, "type": "t", "param": None, "code": None}}
    assert len(error_from_response(_response(400, body), redact=None).message) < 400


def test_rate_limit_passes_retry_after_on() -> None:
    error = error_from_response(
        _response(429, {"error": {"message": "slow"}}, **{"retry-after": "7"}), redact=None
    )
    assert error.headers == {"retry-after": "7"}


def test_error_inside_a_success_response_is_a_bad_response() -> None:
    body = {"error": {"message": "Something went wrong.", "type": "server_error", "code": "server_error"}}
    error = error_from_response(_response(200, body), redact=None)
    assert (error.status, error.code) == (502, "upstream_bad_response")


def test_non_json_error_body_still_maps_by_status() -> None:
    error = error_from_response(_response(502, text="<html>Bad gateway</html>"), redact=None)
    assert (error.code, error.message) == ("upstream_unavailable", "The image provider answered HTTP 502.")


def test_flat_error_body_is_understood() -> None:
    body = {"code": "moderation_blocked", "message": "blocked"}
    assert isinstance(error_from_response(_response(400, body), redact=None), ContentPolicyViolation)
