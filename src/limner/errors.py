"""One error tree for Limner, and the only place that knows HTTP statuses and OpenAI's error shape.

    LimnerError                         500 server_error (never raised directly)
    ├── InvalidRequestError             400 invalid_request_error (param names the field)
    │   ├── ContentPolicyViolation      400 code content_policy_violation (categories, never text)
    │   └── UnsupportedImageError       400 code invalid_image
    ├── PayloadTooLargeError            413 code payload_too_large
    ├── AuthenticationError             401 code invalid_api_key
    ├── PermissionDeniedError           403 code permission_denied
    │   ├── HeldForReview               403 code held_for_review (+ x-limner-review-id)
    │   └── TrainingRequired            403 code training_required (+ training_url)
    ├── NotFoundError                   404 code not_found
    ├── ConflictError                   409 code conflict
    ├── QuotaExceededError              429 code quota_exceeded (+ retry-after)
    ├── UpstreamError                   502 code upstream_error (provider's code kept)
    │   └── UpstreamTimeoutError        504 code upstream_timeout
    ├── UnavailableError                503 code service_unavailable
    └── ConfigError                     invalid settings or policy; refused at start-up

Messages are written for the person who sent the request. They never contain prompt text, image
bytes, passwords, API keys or Authorization headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class LimnerError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "server_error"
    default_code: ClassVar[str | None] = "server_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The OpenAI error object: {"error": {"message", "type", "param", "code"}}."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def azure_body(self) -> dict[str, Any]:
        """The same error on Azure OpenAI's routes (/openai/...), in Azure's shape."""
        return self.body()


class InvalidRequestError(LimnerError):
    status = 400
    type = "invalid_request_error"
    default_code = "invalid_request"


class ContentPolicyViolation(InvalidRequestError):
    default_code = "content_policy_violation"

    def __init__(self, message: str, *, categories: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.categories = categories

    def azure_body(self) -> dict[str, Any]:
        body = self.body()
        results = {category: {"filtered": True, "detected": True} for category in self.categories}
        body["error"]["inner_error"] = {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_results": results,
        }
        return body


class UnsupportedImageError(InvalidRequestError):
    default_code = "invalid_image"


class PayloadTooLargeError(LimnerError):
    status = 413
    type = "invalid_request_error"
    default_code = "payload_too_large"


class AuthenticationError(LimnerError):
    status = 401
    type = "invalid_request_error"
    default_code = "invalid_api_key"

    def azure_body(self) -> dict[str, Any]:
        body = self.body()
        body["error"]["code"] = "401"
        return body


class PermissionDeniedError(LimnerError):
    status = 403
    type = "permission_error"
    default_code = "permission_denied"


class HeldForReview(PermissionDeniedError):
    default_code = "held_for_review"

    def __init__(self, message: str, *, review_id: str) -> None:
        super().__init__(message, headers={"x-limner-review-id": review_id})
        self.review_id = review_id

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["review_id"] = self.review_id
        return body


class TrainingRequired(PermissionDeniedError):
    default_code = "training_required"

    def __init__(self, message: str, *, training_url: str) -> None:
        super().__init__(message)
        self.training_url = training_url

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["training_url"] = self.training_url
        return body


class NotFoundError(LimnerError):
    status = 404
    type = "invalid_request_error"
    default_code = "not_found"


class ConflictError(LimnerError):
    status = 409
    type = "invalid_request_error"
    default_code = "conflict"


class QuotaExceededError(LimnerError):
    status = 429
    type = "rate_limit_error"
    default_code = "quota_exceeded"

    def __init__(self, message: str, *, retry_after_s: int, reset_at: str | None = None) -> None:
        super().__init__(message, headers={"retry-after": str(max(1, retry_after_s))})
        self.retry_after_s = retry_after_s
        self.reset_at = reset_at


class UpstreamError(LimnerError):
    status = 502
    type = "upstream_error"
    default_code = "upstream_error"


class UpstreamTimeoutError(UpstreamError):
    status = 504
    default_code = "upstream_timeout"


class UnavailableError(LimnerError):
    status = 503
    type = "service_unavailable_error"
    default_code = "service_unavailable"


class ConfigError(LimnerError):
    default_code = "config_error"
