"""Unit tests: the image stages (moderator failures, stamping refusals, output size checks) and the worker
plumbing, run in this process. Twin: tests/integration/generation/test_image_workers.py."""

from __future__ import annotations

import io
import struct
import zlib
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from limner.errors import LimnerError, UnsupportedImageError, UpstreamError
from limner.generation import image_work
from limner.generation.image_work import ImageJob, ImageStages, image_size, worker_count
from limner.moderation.providers.base import LocalModerator, ModerationScores
from limner.moderation.providers.fake import FakeModeratorConfig
from limner.provenance.base import ProvenanceInfo
from limner.provenance.config import ProvenanceSettings

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
INFO = ProvenanceInfo(image_id="img", model="fake", policy_version="v1", created_at=WHEN, creator="p")


def png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height`: enough for the size check, no pixels decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


class Scoring:
    def __init__(self, name: str, scores: dict[str, float]) -> None:
        self.name = name
        self.scores = scores
        self.pixels: list[Image.Image | None] = []

    def score_local(self, image: bytes, pixels: Image.Image | None) -> ModerationScores:
        self.pixels.append(pixels)
        return ModerationScores(provider=self.name, scores=self.scores)


class Crashing:
    name = "crashing"

    def score_local(self, image: bytes, pixels: Image.Image | None) -> ModerationScores:
        raise ValueError("model weights missing")


class Stamping:
    """A provenance stage that appends a marker, or refuses with `error`."""

    def __init__(self, error: LimnerError | None = None) -> None:
        self.error = error
        self.formats: list[str] = []

    def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
        self.formats.append(fmt)
        if self.error is not None:
            raise self.error
        return image


def test_local_moderators_are_protocol_members() -> None:
    assert isinstance(Scoring("a", {}), LocalModerator)
    assert isinstance(Crashing(), LocalModerator)


def test_a_moderator_that_raises_counts_as_failed_and_the_others_still_score() -> None:
    scoring = Scoring("ok", {"sexual": 0.2})
    stages = ImageStages([Crashing(), scoring], Stamping())
    out = stages.run(ImageJob(png()))
    assert out.scores == [("crashing", None), ("ok", ModerationScores(provider="ok", scores={"sexual": 0.2}))]
    assert scoring.pixels == [None]  # without the C2PA stage nothing is decoded for the moderators
    assert out.data is None
    assert out.error is None


def test_a_job_without_format_or_info_is_moderated_only() -> None:
    provenance = Stamping()
    out = ImageStages([], provenance).run(ImageJob(png(), fmt="png", info=None))
    assert out.scores == []
    assert out.data is None
    assert provenance.formats == []


def test_a_stamped_job_reports_size_and_digest_of_the_stamped_file() -> None:
    data = png(7, 5)
    out = ImageStages([], Stamping()).run(ImageJob(data, fmt="png", info=INFO))
    assert (out.data, out.width, out.height) == (data, 7, 5)
    assert len(out.sha256) == 64
    assert out.error is None


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UnsupportedImageError("Not an image."), UnsupportedImageError("x").code),
        (UpstreamError("Signer down."), UpstreamError("x").code),
    ],
)
def test_a_stamping_refusal_is_returned_not_raised(error: LimnerError, code: str) -> None:
    out = ImageStages([Scoring("ok", {})], Stamping(error)).run(ImageJob(png(), fmt="png", info=INFO))
    assert out.error is error
    assert out.error.code == code
    assert out.data is None
    assert [name for name, _ in out.scores] == ["ok"]  # the verdict is still decided from the scores


def test_stamped_bytes_that_are_not_an_image_are_an_upstream_error() -> None:
    class Garbling(Stamping):
        def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
            return b"not an image"

    out = ImageStages([], Garbling()).run(ImageJob(png(), fmt="png", info=INFO))
    assert isinstance(out.error, UpstreamError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an image"),
        (b"GIF89a-truncated", "not an image"),
        (png_header(8_000, 5_001), "larger than allowed"),
        (png_header(40_000_001, 1), "larger than allowed"),
    ],
)
def test_image_size_refuses_what_is_not_an_image_or_too_large(data: bytes, message: str) -> None:
    with pytest.raises(UpstreamError, match=message):
        image_size(data)


def test_image_size_accepts_the_largest_allowed_image_header() -> None:
    assert image_size(png_header(8_000, 5_000)) == (8_000, 5_000)


@pytest.mark.parametrize(("configured", "expected"), [(0, 0), (1, 1), (6, 6)])
def test_a_configured_worker_count_is_kept(configured: int, expected: int) -> None:
    assert worker_count(configured) == expected


def test_minus_one_means_one_worker_per_usable_core() -> None:
    assert worker_count(-1) >= 1


def test_a_worker_refuses_jobs_before_it_is_initialised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_work, "_WORKER_STAGES", None)
    assert image_work._ready() is False
    with pytest.raises(RuntimeError, match="not initialised"):
        image_work._run_in_worker(ImageJob(png()))


def test_an_initialised_worker_keeps_only_local_moderators_and_runs_jobs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(image_work, "_WORKER_STAGES", None)
    remote_only = FakeModeratorConfig(name="remote", scores={"violence": 0.9})  # the fake scores remotely
    image_work._init_worker([remote_only], ProvenanceSettings(), tmp_path)
    assert image_work._ready() is True
    out = image_work._run_in_worker(ImageJob(png()))
    assert out.scores == []  # remote moderators stay on the event loop, never in a worker


class RefusingPool:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def submit(self, fn: object) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize("error", [BrokenProcessPool("died"), RuntimeError("cannot schedule after shutdown")])
def test_warming_a_pool_that_shut_down_stops_quietly(error: Exception) -> None:
    pool = RefusingPool(error)
    image_work._submit_ready(pool, 3)  # type: ignore[arg-type]
    assert pool.calls == 1


class RecordingPool:
    def __init__(self) -> None:
        self.submitted: list[object] = []

    def submit(self, fn: object) -> None:
        self.submitted.append(fn)


def test_warming_submits_one_probe_per_worker() -> None:
    pool = RecordingPool()
    image_work._submit_ready(pool, 2)  # type: ignore[arg-type]
    assert pool.submitted == [image_work._ready, image_work._ready]
