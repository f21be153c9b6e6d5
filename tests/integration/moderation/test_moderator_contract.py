"""Integration tests: the ImageModerator contract, run against every member of ModeratorConfig built through
`build_moderator`: open_nsfw (the shipped ONNX model), nudenet (its detector replaced by a stub, since the
AGPL extra is deliberately not installed), openai and azure_content_safety (loopback vendor fakes of
tests/fakes/moderation_upstreams.py), and the fake.

The contract (moderation/providers/base.py): one encoded image (PNG, JPEG, WebP) gets scores in [0, 1] under
the provider's name; a provider that cannot answer raises UpstreamError; image bytes never reach the logs."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, get_args

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from pydantic import TypeAdapter

from limner.errors import ConfigError, UpstreamError, UpstreamTimeoutError
from limner.moderation.providers import ImageModerator, ModeratorConfig, build_moderator
from limner.moderation.providers.base import LocalModerator
from limner.moderation.providers.fake import FakeModerator
from tests.fakes.moderation_upstreams import AZURE_KEY, OPENAI_KEY, UpstreamState

CONFIGS = TypeAdapter[ModeratorConfig](ModeratorConfig)
KINDS = ["open_nsfw", "nudenet", "openai", "azure_content_safety", "fake"]
REMOTE = ["openai", "azure_content_safety"]
LOCAL = ["open_nsfw", "nudenet"]
CANARY = "CANARY-image-metadata-91d0"
FAST = {"timeout_s": 0.5, "max_retries": 1, "backoff_initial_s": 0.01, "backoff_max_s": 0.02}


class StubDetector:
    """NudeNet's NudeDetector surface: detect(BGR array) -> [{"class", "score", "box"}]."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def detect(self, pixels: np.ndarray) -> list[dict[str, Any]]:
        self.shapes.append(pixels.shape)
        return [
            {"class": "FEMALE_BREAST_EXPOSED", "score": 0.81, "box": [0, 0, 4, 4]},
            {"class": "FACE_FEMALE", "score": 0.99, "box": [0, 0, 4, 4]},
        ]


def _image(fmt: str) -> bytes:
    """A small image; the PNG carries the canary in a text chunk, so its bytes hold a known marker."""
    buffer = io.BytesIO()
    picture = Image.new("RGB", (96, 64), (120, 30, 30))
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", CANARY)
        picture.save(buffer, format="PNG", pnginfo=info)
    else:
        picture.save(buffer, format=fmt)
    return buffer.getvalue()


def _raw(kind: str, base_url: str) -> dict[str, Any]:
    if kind == "openai":
        return {"kind": kind, "base_url": f"{base_url}/v1", "api_key": OPENAI_KEY, "http": FAST}
    if kind == "azure_content_safety":
        return {"kind": kind, "endpoint": f"{base_url}/", "api_key": AZURE_KEY, "http": FAST}
    if kind == "fake":
        return {"kind": kind, "scores": {"sexual": 0.25}}
    return {"kind": kind}


@pytest.fixture(params=KINDS)
async def moderator(
    request: pytest.FixtureRequest, upstream: tuple[str, UpstreamState], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ImageModerator]:
    kind: str = request.param
    if kind == "nudenet":
        stub = SimpleNamespace(NudeDetector=StubDetector)
        monkeypatch.setattr("limner.moderation.providers.nudenet.import_nudenet", lambda: stub)
    upstream[1].openai_scores = {"sexual": 0.6, "violence": 0.1}
    upstream[1].azure_severities = {"Sexual": 4}
    built = build_moderator(CONFIGS.validate_python(_raw(kind, upstream[0])))
    try:
        yield built
    finally:
        await built.aclose()


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(ModeratorConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == sorted(KINDS)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
async def test_each_format_gets_scores_in_the_unit_interval_under_the_provider_name(
    moderator: ImageModerator, fmt: str
) -> None:
    result = await moderator.moderate(_image(fmt))
    assert result.provider == moderator.name
    assert result.scores
    assert all(isinstance(k, str) and 0.0 <= v <= 1.0 for k, v in result.scores.items())
    assert "sexual" in result.scores


# The sexual score each kind reports for the red test image, given the fixture's vendor answers:
# the stub NudeNet detection, OpenAI's 0.6, Azure's severity 4 of 6, the fake's configured score;
# open_nsfw scores a flat red rectangle as far from explicit.
EXPECTED_SEXUAL = {"nudenet": 0.81, "openai": 0.6, "azure_content_safety": 4 / 6, "fake": 0.25}


async def test_the_providers_answer_comes_through(moderator: ImageModerator) -> None:
    scores = (await moderator.moderate(_image("PNG"))).scores
    if moderator.name in EXPECTED_SEXUAL:
        assert scores["sexual"] == pytest.approx(EXPECTED_SEXUAL[moderator.name])
    else:
        assert scores["sexual"] < 0.2


async def test_image_bytes_never_reach_the_logs(
    moderator: ImageModerator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    image = _image("PNG")
    assert CANARY.encode() in image
    await moderator.moderate(image)
    assert CANARY not in caplog.text
    assert base64.b64encode(image).decode()[:40] not in caplog.text


@pytest.mark.parametrize("moderator", LOCAL, indirect=True)
async def test_local_moderators_score_the_same_from_pixels_as_from_bytes(moderator: ImageModerator) -> None:
    assert isinstance(moderator, LocalModerator)
    image = _image("PNG")
    with Image.open(io.BytesIO(image)) as decoded:
        from_pixels = moderator.score_local(image, decoded.convert("RGB"))
    assert from_pixels.scores == pytest.approx((await moderator.moderate(image)).scores, abs=1e-4)


# Failures each remote vendor fake can play, and the error the moderator must turn them into.
FAILURES = [(["500"] * 3, UpstreamError), (["garbage"], UpstreamError), (["slow"] * 3, UpstreamTimeoutError)]


@pytest.mark.parametrize("kind", REMOTE)
@pytest.mark.parametrize(("script", "error"), FAILURES, ids=["server-error", "garbage", "slow"])
async def test_a_provider_that_cannot_answer_raises_upstream_error(
    upstream: tuple[str, UpstreamState], kind: str, script: list[str], error: type[UpstreamError],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    upstream[1].script, upstream[1].slow_s = list(script), 1.0
    built = build_moderator(CONFIGS.validate_python(_raw(kind, upstream[0])))
    try:
        with pytest.raises(error) as caught:
            await built.moderate(_image("PNG"))
    finally:
        await built.aclose()
    assert CANARY not in caught.value.message + caplog.text


@pytest.mark.parametrize(
    ("fail_with", "error"), [("upstream_error", UpstreamError), ("timeout", UpstreamTimeoutError)]
)
async def test_the_fake_fails_the_same_way(fail_with: str, error: type[UpstreamError]) -> None:
    built = build_moderator(CONFIGS.validate_python({"kind": "fake", "fail_with": fail_with}))
    assert isinstance(built, FakeModerator)
    with pytest.raises(error):
        await built.moderate(_image("PNG"))
    await built.aclose()
    assert built.closed


@pytest.mark.parametrize("kind", REMOTE)
async def test_a_wrong_key_is_an_upstream_error_without_the_key(
    upstream: tuple[str, UpstreamState], kind: str
) -> None:
    raw = _raw(kind, upstream[0]) | {"api_key": "CANARY-wrong-key-1234"}
    built = build_moderator(CONFIGS.validate_python(raw))
    try:
        with pytest.raises(UpstreamError) as caught:
            await built.moderate(_image("PNG"))
    finally:
        await built.aclose()
    assert "CANARY-wrong-key-1234" not in caught.value.message


def test_nudenet_without_its_extra_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"limner\[nudenet\]"):
        build_moderator(CONFIGS.validate_python({"kind": "nudenet"}))
