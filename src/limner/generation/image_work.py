"""The image stages off the event loop: one decode per image, shared by the local moderators and
provenance (watermark, encode, C2PA), run in worker processes (one per core by default) that build
their moderators and signer once. With `server.image_workers = 0` the same stages run in threads of
the server process instead. Remote moderators (HTTP) stay on the event loop, concurrently."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from limner.errors import LimnerError, UnavailableError, UnsupportedImageError, UpstreamError
from limner.imaging.actions import Action
from limner.moderation.config import ModerationSettings
from limner.moderation.providers import ImageModerator, ModeratorConfig, build_moderator
from limner.moderation.providers.base import LocalModerator, ModerationScores
from limner.moderation.service import provider_scores
from limner.moderation.verdict import ImageVerdict, decide
from limner.provenance.base import Provenance, ProvenanceInfo
from limner.provenance.codec import Decoded
from limner.provenance.config import ProvenanceSettings
from limner.provenance.stamp import C2paProvenance, build_provenance

logger = logging.getLogger(__name__)
MAX_OUTPUT_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class ImageJob:
    """One image to moderate and, when `fmt` and `info` are given, to stamp with provenance."""

    data: bytes
    fmt: str | None = None
    info: ProvenanceInfo | None = None


@dataclass(frozen=True, slots=True)
class ImageOutput:
    """What a worker sends back: local scores (None for a moderator that failed) and the stamped
    image with its size and digest, or the error stamping raised (the verdict is decided first)."""

    scores: list[tuple[str, ModerationScores | None]]
    data: bytes | None = None
    width: int = 0
    height: int = 0
    sha256: str = ""
    error: LimnerError | None = None


@dataclass(frozen=True, slots=True)
class ImageResult:
    verdict: ImageVerdict
    output: ImageOutput


class ImageStages:
    """The CPU work for one image; one instance per worker process (or one shared by threads)."""

    def __init__(self, moderators: Sequence[LocalModerator], provenance: Provenance) -> None:
        self.moderators = list(moderators)
        self.provenance = provenance

    def run(self, job: ImageJob) -> ImageOutput:
        decoded = self._decode(job.data)
        pixels = _pixels(decoded) if self.moderators else None
        scores = [(m.name, _score(m, job.data, pixels)) for m in self.moderators]
        if job.fmt is None or job.info is None:
            return ImageOutput(scores)
        try:
            data = self._stamp(job.data, decoded, job.fmt, job.info)
            width, height = _size(data, decoded)
        except LimnerError as exc:
            return ImageOutput(scores, error=exc)
        return ImageOutput(scores, data, width, height, hashlib.sha256(data).hexdigest())

    def _decode(self, data: bytes) -> Decoded | None:
        if not isinstance(self.provenance, C2paProvenance):
            return None  # moderators decode under their own limits
        try:
            return self.provenance.decode(data)
        except UnsupportedImageError:
            return None  # stamping reports it, after the verdict

    def _stamp(self, data: bytes, decoded: Decoded | None, fmt: str, info: ProvenanceInfo) -> bytes:
        if decoded is not None and isinstance(self.provenance, C2paProvenance):
            return self.provenance.stamp_decoded(data, decoded, fmt=fmt, info=info)
        return self.provenance.stamp(data, fmt=fmt, info=info)


def _pixels(decoded: Decoded | None) -> Image.Image | None:
    if decoded is None:
        return None
    return decoded.image if decoded.image is not None else Image.fromarray(decoded.rgb)


def _size(data: bytes, decoded: Decoded | None) -> tuple[int, int]:
    """Stamping keeps the size of the pixels it decoded (under its own limit); else read the header."""
    if decoded is None:
        return image_size(data)
    return decoded.rgb.shape[1], decoded.rgb.shape[0]


def _score(moderator: LocalModerator, data: bytes, pixels: Image.Image | None) -> ModerationScores | None:
    try:
        return moderator.score_local(data, pixels)
    except Exception as exc:  # any failure counts as the provider failing (settings.on_error)
        logger.warning("moderation provider %s failed: %s", moderator.name, type(exc).__name__)
        return None


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the header; refuses what is not an image or is too large."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except (OSError, ValueError) as exc:
        raise UpstreamError("The image backend returned data that is not an image.") from exc
    if width * height > MAX_OUTPUT_PIXELS:
        raise UpstreamError("The image backend returned an image larger than allowed.")
    return width, height


_WORKER_STAGES: ImageStages | None = None  # set once per worker process by _init_worker


def _init_worker(configs: list[ModeratorConfig], provenance: ProvenanceSettings, data_dir: Path) -> None:
    global _WORKER_STAGES
    moderators = [m for m in map(build_moderator, configs) if isinstance(m, LocalModerator)]
    _WORKER_STAGES = ImageStages(moderators, build_provenance(provenance, data_dir))


def _ready() -> bool:
    return _WORKER_STAGES is not None


def _submit_ready(pool: ProcessPoolExecutor, count: int) -> None:
    try:
        for _ in range(count):
            pool.submit(_ready)
    except (BrokenProcessPool, RuntimeError):  # shut down meanwhile: the next job starts a new pool
        return


def _run_in_worker(job: ImageJob) -> ImageOutput:
    if _WORKER_STAGES is None:
        raise RuntimeError("image worker was not initialised")
    return _WORKER_STAGES.run(job)


@dataclass
class ImageWork:
    """Runs ImageJobs in worker processes (or threads) and decides each image's moderation verdict."""

    stages: ImageStages
    remote: list[ImageModerator]
    settings: ModerationSettings
    worker_configs: list[ModeratorConfig]
    provenance_settings: ProvenanceSettings
    data_dir: Path
    workers: int
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)
    _warming: asyncio.Future[None] | None = field(default=None, repr=False)

    async def run(self, jobs: Sequence[ImageJob]) -> list[ImageResult]:
        """Every job at once; moderation verdicts combine local and remote providers."""
        return list(await asyncio.gather(*(self._one(job) for job in jobs)))

    def start(self) -> None:
        """Start the workers in the background: each builds its moderators and signer while the server
        starts, rather than on the first request. Never blocks the event loop."""
        if self.workers > 0:
            pool = self._pool or self._start()
            self._warming = asyncio.get_running_loop().run_in_executor(
                None, _submit_ready, pool, self.workers
            )

    async def aclose(self) -> None:
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _one(self, job: ImageJob) -> ImageResult:
        local, (remote_scores, remote_failed) = await asyncio.gather(
            self._execute(job), provider_scores(job.data, self.remote)
        )
        if not self.stages.moderators and not self.remote:
            return ImageResult(ImageVerdict(action=Action.ALLOW), local)
        scores = [s for _, s in local.scores if s is not None] + remote_scores
        failed = [name for name, s in local.scores if s is None] + remote_failed
        return ImageResult(decide(scores, failed, self.settings), local)

    async def _execute(self, job: ImageJob) -> ImageOutput:
        if self.workers == 0:
            return await asyncio.to_thread(self.stages.run, job)
        pool = self._pool or self._start()
        try:
            # submit() may start worker processes, which waits on the fork server: not on the loop.
            future = await asyncio.to_thread(pool.submit, _run_in_worker, job)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:
            self._pool = None  # a worker died (out of memory, killed): the next job starts fresh ones
            pool.shutdown(wait=False, cancel_futures=True)
            raise UnavailableError("An image worker stopped; please try again.") from exc

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # the fork server imports the image stack once
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.worker_configs, self.provenance_settings, self.data_dir),
        )
        return self._pool


def worker_count(configured: int) -> int:
    """-1 means one worker per core this process may use."""
    if configured >= 0:
        return configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build_image_work(
    *,
    workers: int,
    moderation: ModerationSettings,
    moderators: Sequence[ImageModerator],
    provenance: Provenance,
    provenance_settings: ProvenanceSettings,
    data_dir: Path,
) -> ImageWork:
    """Local moderators go to the workers; the others (HTTP providers) stay on the event loop."""
    configs = list(moderation.providers) if moderation.enabled else []
    local = [m for m in moderators if isinstance(m, LocalModerator)]
    return ImageWork(
        stages=ImageStages(local, provenance),
        remote=[m for m in moderators if not isinstance(m, LocalModerator)],
        settings=moderation,
        worker_configs=[
            cfg for cfg, m in zip(configs, moderators, strict=True) if isinstance(m, LocalModerator)
        ],
        provenance_settings=provenance_settings,
        data_dir=data_dir,
        workers=worker_count(workers),
    )
