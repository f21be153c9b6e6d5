"""Benchmark: open_nsfw load time, latency per 1024² image, scores on natural photos; load_upload cost.

Run: .venv/bin/python bench/moderation.py  (needs scikit-image for its bundled sample photos).
Prints the numbers and writes bench/results/moderation.md."""

from __future__ import annotations

import asyncio
import io
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as samples

from limner.imaging.decoding import load_upload, open_image
from limner.moderation.config import ModerationSettings
from limner.moderation.providers.open_nsfw import OpenNsfwConfig, OpenNsfwModerator
from limner.moderation.verdict import decide

RESULTS = Path(__file__).parent / "results" / "moderation.md"
RUNS = 60
PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut (portrait)": samples.astronaut,
    "chelsea (cat)": samples.chelsea,
    "coffee (cup)": samples.coffee,
    "rocket (launch)": samples.rocket,
    "retina (medical)": samples.retina,
    "hubble_deep_field": samples.hubble_deep_field,
    "camera (grayscale man)": samples.camera,
    "coins (grayscale)": samples.coins,
}


def encoded(pixels: np.ndarray, size: tuple[int, int] | None = None, fmt: str = "PNG") -> bytes:
    image = Image.fromarray(pixels).convert("RGB")
    if size is not None:
        image = image.resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def timed(fn: Callable[[], object], runs: int = RUNS) -> list[float]:
    fn()  # warm-up: first inference allocates ONNX Runtime's arenas
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def load_times() -> list[float]:
    out = []
    for _ in range(5):
        start = time.perf_counter()
        OpenNsfwModerator(OpenNsfwConfig())
        out.append((time.perf_counter() - start) * 1000)
    return out


async def async_latency(moderator: OpenNsfwModerator, image: bytes) -> list[float]:
    await moderator.moderate(image)
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        await moderator.moderate(image)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    load = statistics.median(load_times())
    moderator = OpenNsfwModerator(OpenNsfwConfig(intra_op_threads=1))
    png_1024 = encoded(PHOTOS["astronaut (portrait)"](), (1024, 1024))
    jpeg_1024 = encoded(PHOTOS["astronaut (portrait)"](), (1024, 1024), "JPEG")
    decoded = open_image(png_1024, field="b")
    classifier = moderator._classifier  # the raw model, to split decode from inference
    rows = [
        ("inference only (pre-decoded 1024² image)", timed(lambda: classifier.score(decoded))),
        ("open_nsfw score(), 1024² PNG, 1 thread", timed(lambda: moderator.score(png_1024))),
        ("open_nsfw moderate() via to_thread, 1024² PNG", asyncio.run(async_latency(moderator, png_1024))),
        ("decode only (open_image), 1024² PNG", timed(lambda: open_image(png_1024, field="b"))),
        (
            "load_upload, 1024² JPEG → clean PNG",
            timed(lambda: load_upload(jpeg_1024, field="image", max_bytes=10**8)),
        ),
    ]
    scores = score_photos(moderator)
    report = render(load, rows, scores, len(png_1024))
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)


def score_photos(moderator: OpenNsfwModerator) -> list[tuple[str, str, float, str]]:
    settings = ModerationSettings()
    out = []
    for name, load in PHOTOS.items():
        pixels = load()
        result = asyncio.run(moderator.moderate(encoded(pixels)))
        verdict = decide([result], [], settings)
        size = f"{pixels.shape[1]}x{pixels.shape[0]}"
        out.append((name, size, result.scores["sexual"], verdict.action.value))
    return out


def render(
    load_ms: float,
    rows: list[tuple[str, list[float]]],
    scores: list[tuple[str, str, float, str]],
    png_bytes: int,
) -> str:
    lines = [
        "## Image moderation (open_nsfw) and upload handling",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f} during the run (other jobs shared the CPUs); "
        f"{RUNS} runs after one warm-up; intra-op threads = 1. Test image: skimage astronaut "
        f"resized to 1024x1024 ({png_bytes // 1024} KiB PNG).",
        "",
        f"Model load (OpenNsfwModerator construction, median of 5): **{load_ms:.0f} ms**",
        "",
        "| operation | p50 ms | p99 ms |",
        "|---|---:|---:|",
    ]
    for name, samples_ms in rows:
        p50, p99 = percentiles(samples_ms)
        lines.append(f"| {name} | {p50:.1f} | {p99:.1f} |")
    lines += [
        "",
        "Scores on scikit-image's bundled sample photos (none is sexual; verdict with default"
        " thresholds: review ≥ 0.6, block ≥ 0.85):",
        "",
        "| photo | size | sexual score | verdict |",
        "|---|---|---:|---|",
    ]
    lines += [f"| {n} | {s} | {score:.3f} | {v} |" for n, s, score, v in scores]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
