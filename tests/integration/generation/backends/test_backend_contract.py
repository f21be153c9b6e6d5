"""Integration tests: the ImageBackend contract, run against every member of BackendConfig built through
`build_backend`: local, fake, and the openai and azure_openai backends against the loopback fake vendor
(tests/fakes/openai_upstream.py). The diffusers kind is held to its build errors here; its renders need a
tiny pipeline built offline and take a minute on CPU (tests/unit/generation/backends/test_diffusers.py).

The contract (generation/backends/base.py): n decodable images in the requested format; transport failures
and garbage are UpstreamError (502), timeouts UpstreamTimeoutError (504), a declined prompt
ContentPolicyViolation; check() raises UnavailableError when the backend cannot serve; the prompt is never
logged."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import pytest
from PIL import Image
from pydantic import TypeAdapter

from limner.errors import (
    ConfigError,
    ContentPolicyViolation,
    LimnerError,
    UnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)
from limner.generation.backends import BackendConfig, ImageBackend, build_backend
from limner.generation.backends.fake import FakeBackend
from limner.imaging.requests import ImageFormat, ImageRequest
from tests.e2e.conftest import free_port
from tests.fakes.openai_upstream import FakeUpstreamState, FaultMode

CONFIGS = TypeAdapter[BackendConfig](BackendConfig)
SERVING = ["local", "fake", "openai", "azure_openai"]
REMOTE = ["openai", "azure_openai"]
CANARY = "CANARY prompt a lighthouse 4b7e"
DEPLOYMENTS = {"gpt-image-1.5": "gptimage"}
FAST = {"retry_initial_delay_s": 0.01, "max_retries": 0, "read_timeout_s": 1.5, "check_timeout_s": 2}


def _raw(kind: str, state: FakeUpstreamState, base_url: str) -> dict[str, Any]:
    if kind == "openai":
        return {"kind": kind, "base_url": base_url, "api_key": state.api_key, **FAST}
    if kind == "azure_openai":
        endpoint, key = state.azure_endpoint, state.azure_api_key
        return {"kind": kind, "endpoint": endpoint, "api_key": key, "deployments": DEPLOYMENTS, **FAST}
    return {"kind": kind}


def _request(kind: str, *, n: int = 1, output_format: ImageFormat = "png") -> ImageRequest:
    model, size = ("limner-local", "256x256") if kind == "local" else ("gpt-image-1.5", "1024x1024")
    return ImageRequest(
        operation="generate", model=model, prompt=CANARY, n=n, size=size, output_format=output_format
    )


@dataclass
class Subject:
    kind: str
    backend: ImageBackend
    state: FakeUpstreamState


async def _built(kind: str, upstream: tuple[str, FakeUpstreamState], **overrides: Any) -> ImageBackend:
    base_url, state = upstream
    return build_backend(CONFIGS.validate_python(_raw(kind, state, base_url) | overrides))


@pytest.fixture(params=SERVING)
async def subject(
    request: pytest.FixtureRequest, upstream: tuple[str, FakeUpstreamState]
) -> AsyncIterator[Subject]:
    backend = await _built(request.param, upstream)
    try:
        yield Subject(request.param, backend, upstream[1])
    finally:
        await backend.aclose()


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(BackendConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == sorted([*SERVING, "diffusers"])


@pytest.mark.parametrize(("n", "output_format"), [(1, "png"), (2, "jpeg")])
async def test_generate_returns_n_decodable_images_in_the_requested_format(
    subject: Subject, n: int, output_format: ImageFormat
) -> None:
    wanted: ImageFormat = "png" if subject.kind == "fake" else output_format  # the fake draws PNG only
    result = await subject.backend.generate(_request(subject.kind, n=n, output_format=output_format))
    assert len(result.images) == n
    for image in result.images:
        assert image.format == wanted
        decoded = Image.open(io.BytesIO(image.data))
        assert decoded.format == wanted.upper()
        assert decoded.width > 0


async def test_check_passes_while_the_backend_can_serve(subject: Subject) -> None:
    await subject.backend.check()
    assert len((await subject.backend.generate(_request(subject.kind))).images) == 1


# The vendor fault each failure maps from, per remote kind; the fake raises what it is told to.
FAILURES: list[tuple[str, dict[str, FaultMode], type[LimnerError], int]] = [
    ("garbage", {"openai": "garbage", "azure_openai": "garbage"}, UpstreamError, 502),
    ("server-error", {"openai": "http_500", "azure_openai": "http_500"}, UpstreamError, 502),
    ("timeout", {"openai": "timeout", "azure_openai": "timeout"}, UpstreamTimeoutError, 504),
    (
        "declined",
        {"openai": "content_policy_violation", "azure_openai": "azure_content_filter"},
        ContentPolicyViolation,
        400,
    ),
]
FAKE_ERRORS: dict[str, Callable[[], LimnerError]] = {
    "garbage": lambda: UpstreamError("bad answer", code="upstream_bad_response"),
    "server-error": lambda: UpstreamError("down", code="upstream_unavailable"),
    "timeout": lambda: UpstreamTimeoutError("slow"),
    "declined": lambda: ContentPolicyViolation("declined", categories=[]),
}


@pytest.mark.parametrize("kind", [*REMOTE, "fake"])
@pytest.mark.parametrize(("name", "faults", "error", "status"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_vendor_failures_become_the_documented_errors(
    upstream: tuple[str, FakeUpstreamState],
    kind: str,
    name: str,
    faults: dict[str, FaultMode],
    error: type[LimnerError],
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="limner")
    backend = await _built(kind, upstream)
    if isinstance(backend, FakeBackend):
        backend.fail_with = FAKE_ERRORS[name]()
    else:
        upstream[1].add_fault(faults[kind], delay_s=10)
    try:
        with pytest.raises(error) as caught:
            await backend.generate(_request(kind))
    finally:
        await backend.aclose()
    assert caught.value.status == status
    assert CANARY not in caught.value.message
    assert CANARY not in caplog.text


@pytest.mark.parametrize("kind", REMOTE)
async def test_check_is_unavailable_when_the_vendor_is_unreachable(
    upstream: tuple[str, FakeUpstreamState], kind: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    where = {"base_url": f"{dead}/v1"} if kind == "openai" else {"endpoint": dead}
    backend = await _built(kind, upstream, **where)
    try:
        with pytest.raises(UnavailableError, match="unreachable"):
            await backend.check()
    finally:
        await backend.aclose()


@pytest.mark.parametrize("kind", REMOTE)
async def test_check_is_unavailable_when_the_vendor_refuses_the_credentials(
    upstream: tuple[str, FakeUpstreamState], kind: str
) -> None:
    backend = await _built(kind, upstream, api_key="sk-CANARY-wrong-key")
    try:
        with pytest.raises(UnavailableError, match="credentials") as caught:
            await backend.check()
    finally:
        await backend.aclose()
    assert "sk-CANARY-wrong-key" not in caught.value.message


async def test_the_prompt_never_reaches_the_logs(subject: Subject, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await subject.backend.generate(_request(subject.kind))
    await subject.backend.check()
    assert CANARY not in caplog.text
    assert subject.state.api_key not in caplog.text


def test_diffusers_without_a_pipeline_directory_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Stand-in modules: importing the real torch stack costs seconds, and this path fails before using it.
    monkeypatch.setattr("limner.generation.backends.diffusers.importlib.import_module", ModuleType)
    config = CONFIGS.validate_python({"kind": "diffusers", "model_path": str(tmp_path / "absent")})
    with pytest.raises(ConfigError, match=r"model_index\.json"):
        build_backend(config)


def test_diffusers_without_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def missing(name: str) -> ModuleType:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr("limner.generation.backends.diffusers.importlib.import_module", missing)
    config = CONFIGS.validate_python({"kind": "diffusers", "model_path": str(tmp_path)})
    with pytest.raises(ConfigError, match="diffusers"):
        build_backend(config)


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "diffusers", "model_path": "/m", "steps": 0},
        {"kind": "diffusers", "model_path": "/m", "default_size": "large"},
        {"kind": "openai", "api_key": "k", "max_retries": 11},
        {"kind": "azure_openai", "endpoint": "ftp://x", "api_key": "k"},
        {"kind": "azure_openai", "endpoint": "https://x"},
        {"kind": "fake", "size": 0},
        {"kind": "dalle"},
    ],
    ids=["steps", "size", "retries", "scheme", "no-credential", "fake-size", "unknown-kind"],
)
def test_invalid_configs_fail_at_startup(raw: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        CONFIGS.validate_python(raw)
