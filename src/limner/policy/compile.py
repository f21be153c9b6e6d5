"""Turn a policy document into a runnable engine: validate it and build its detectors."""

from __future__ import annotations

import hashlib
import json

from pydantic import SecretStr, TypeAdapter, ValidationError

from limner.errors import ConfigError
from limner.policy.detectors.base import AsyncDetector, Detector
from limner.policy.document import parse_policy
from limner.policy.engine import PolicyEngine
from limner.policy.registry import DetectorConfig, build_detector

_ADAPTER: TypeAdapter[DetectorConfig] = TypeAdapter(DetectorConfig)
# Detectors are immutable once built and loading their data costs up to a second or two, so a
# process builds each distinct configuration once (policy reloads and tests reuse them).
_BUILT: dict[str, Detector | AsyncDetector] = {}


def compile_policy(text: str, *, version: str) -> PolicyEngine:
    document = parse_policy(text)
    detectors = [_detector(index, config) for index, config in enumerate(document.detectors)]
    return PolicyEngine(document, detectors, version=version)


def _detector(index: int, raw: dict[str, object]) -> Detector | AsyncDetector:
    try:
        config = _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ConfigError(f"invalid policy: detectors.{index}.{field}: {error['msg']}") from exc
    key = _cache_key(config)
    if key not in _BUILT:
        _BUILT[key] = build_detector(config)
    return _BUILT[key]


def _cache_key(config: DetectorConfig) -> str:
    """Equal configs share one built detector. JSON dumps mask secrets as "**********", so their
    digests join the key: two API keys must never share a (remote) detector."""
    secrets = sorted(
        f"{name}:{hashlib.sha256(value.get_secret_value().encode()).hexdigest()}"
        for name, value in config
        if isinstance(value, SecretStr)
    )
    return json.dumps([config.model_dump(mode="json"), secrets], sort_keys=True)
