"""Turn OpenAI and Azure OpenAI error answers into Limner errors (their documented error objects).

error.code values a client sees for vendor failures:
    content_policy_violation  400  the vendor's safety system declined (its code is in the message)
    upstream_auth_failed      502  the vendor refused the gateway's own credentials (401/403)
    upstream_bad_request      502  the vendor refused the parameters (400/422); its param is kept
    upstream_not_found        502  the vendor knows no such model or deployment (404)
    upstream_rate_limited     502  still 429 after the retries; retry-after is passed on
    upstream_unavailable      502  still 5xx after the retries
    upstream_rejected         502  any other 4xx
    upstream_bad_response     502  not JSON, an error inside a 2xx body, no usable image
    upstream_unreachable      502  connection failures (raised by limner.upstream)
    upstream_timeout          504  no answer in time (raised by limner.upstream)
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from limner.errors import ContentPolicyViolation, LimnerError, UpstreamError

POLICY_CODES = frozenset(
    {
        "content_policy_violation",
        "moderation_blocked",
        "contentFilter",
        "content_filter",
        "ResponsibleAIPolicyViolation",
    }
)
_STATUS_CODES = {
    400: "upstream_bad_request",
    422: "upstream_bad_request",
    404: "upstream_not_found",
}
_MESSAGE_MAX = 300
_SAFETY_IN_MESSAGE = re.compile(r"safety_violations=\[([^\]]*)\]")
_CATEGORY = re.compile(r"[^a-z0-9_]+")


def error_object(body: Any) -> dict[str, Any] | None:
    """The vendor's error object, from {"error": {...}} or a flat {"code", "message"} body."""
    if not isinstance(body, dict):
        return None
    inner = body.get("error")
    if isinstance(inner, dict):
        return inner
    return body if "code" in body and "message" in body else None


def error_from_response(response: httpx.Response, *, redact: str | None) -> LimnerError:
    """Map a non-2xx answer (or a 2xx carrying an error) onto the Limner error tree."""
    body = _json_or_none(response)
    error = error_object(body) or {}
    if is_policy_block(error):
        return policy_violation(error)
    status = response.status_code
    if 200 <= status < 300:
        return bad_response("The image provider answered with an error inside a success response.")
    if status in (401, 403):
        return UpstreamError(
            "The image provider refused the gateway's credentials for this backend; "
            "an administrator must fix the backend configuration.",
            code="upstream_auth_failed",
        )
    return _status_error(response, error, redact)


def is_policy_block(error: dict[str, Any]) -> bool:
    inner = _inner(error)
    return str(error.get("code")) in POLICY_CODES or str(inner.get("code")) in POLICY_CODES


def policy_violation(error: dict[str, Any]) -> ContentPolicyViolation:
    provider_code = _clean(str(error.get("code") or _inner(error).get("code") or "unknown"))
    return ContentPolicyViolation(
        "The image provider's safety system declined this request "
        f"(provider code: {provider_code}). Adjust the prompt or image and try again.",
        categories=policy_categories(error),
    )


def policy_categories(error: dict[str, Any]) -> list[str]:
    """Vendor categories as `moderation.<name>`, from whichever field this vendor filled in."""
    names: list[str] = []
    details = error.get("moderation_details")
    if isinstance(details, dict) and isinstance(details.get("categories"), list):
        names += [str(name) for name in details["categories"]]
    if isinstance(error.get("safety_violations"), list):
        names += [str(name) for name in error["safety_violations"]]
    if match := _SAFETY_IN_MESSAGE.search(str(error.get("message", ""))):
        names += match[1].split(",")
    names += filtered_categories(_inner(error))
    cleaned = (_CATEGORY.sub("_", name.strip().lower()).strip("_") for name in names)
    return sorted({f"moderation.{name}" for name in cleaned if name})


def filtered_categories(holder: dict[str, Any]) -> list[str]:
    """Azure content filter annotations: the categories whose `filtered` flag is true."""
    results = holder.get("content_filter_results") or holder.get("content_filter_result")
    if not isinstance(results, dict):
        return []
    return [name for name, result in results.items() if _is_filtered(result)]


def bad_response(message: str) -> UpstreamError:
    return UpstreamError(message, code="upstream_bad_response")


def _is_filtered(result: Any) -> bool:
    if isinstance(result, dict):
        return result.get("filtered") is True
    if isinstance(result, list):  # custom_blocklists in the chat-style shape
        return any(_is_filtered(item) for item in result)
    return False


def _inner(error: dict[str, Any]) -> dict[str, Any]:
    inner = error.get("inner_error") or error.get("innererror")
    return inner if isinstance(inner, dict) else {}


def _status_error(response: httpx.Response, error: dict[str, Any], redact: str | None) -> UpstreamError:
    status = response.status_code
    if status == 429:
        code = "upstream_rate_limited"
    elif status >= 500:
        code = "upstream_unavailable"
    else:
        code = _STATUS_CODES.get(status, "upstream_rejected")
    message = f"The image provider answered HTTP {status}{_describe(error, redact)}."
    headers = (
        {"retry-after": response.headers["retry-after"]}
        if status == 429 and "retry-after" in response.headers
        else None
    )
    param = error.get("param") if isinstance(error.get("param"), str) else None
    return UpstreamError(message, code=code, param=param, headers=headers)


def _describe(error: dict[str, Any], redact: str | None) -> str:
    """The vendor's code and message, cut short and with the prompt removed should it echo it."""
    parts = []
    if error.get("code") is not None:
        parts.append(f"provider code: {_clean(str(error['code']))}")
    if isinstance(error.get("message"), str) and error["message"]:
        message = error["message"]
        if redact and len(redact) >= 4:
            message = message.replace(redact, "[prompt]")
        parts.append(_clean(message)[:_MESSAGE_MAX])
    return f" ({'; '.join(parts)})" if parts else ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
