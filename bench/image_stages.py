"""Per-stage cost of Limner's image pipeline for one 1024x1024 image, in-process, pinned to one core;
then the throughput of the image worker processes (one per core) on the same images.

Stages: moderation (every configured provider, decoding on its own), provenance (decode, watermark, encode,
C2PA sign), and `worker job` = both as the worker processes run them (one decode shared, server.image_workers),
encryption (AES-256-GCM under the owner's data key) and the blob write. Printed as markdown; bench/overhead.py
embeds it in its report."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from bench._common import pct
from limner.components import build_components
from limner.db import new_id, utcnow
from limner.generation.backends.local import _encode, render
from limner.generation.image_work import ImageJob
from limner.moderation.service import moderate_image
from limner.provenance.base import ProvenanceInfo
from limner.settings import load_settings
from limner.vault.crypto import new_key, seal

RUNS = 30
THROUGHPUT_IMAGES = 60


async def timed(awaitable: Awaitable[object]) -> float:
    started = time.perf_counter()
    await awaitable
    return (time.perf_counter() - started) * 1000


async def measure(data_dir: Path) -> dict[str, list[float]]:
    c = build_components(load_settings(data_dir))
    image = _encode(render(7, 1024, 1024), "png")
    names = ("moderation", "provenance", "worker job", "encrypt", "store", "total")
    key, times = new_key(), {name: [] for name in names}
    for _ in range(RUNS):
        info = ProvenanceInfo(new_id(), "limner-local", "bench", utcnow(), "u_bench")
        t_mod = await timed(moderate_image(image, moderators=c.moderators, settings=c.settings.moderation))
        started = time.perf_counter()
        stamped = c.provenance.stamp(image, fmt="png", info=info)
        t_prov = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        c.image_work.stages.run(ImageJob(image, "png", info))
        t_job = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        sealed = seal(key, stamped, aad=b"bench")
        t_enc = (time.perf_counter() - started) * 1000
        t_store = await timed(c.blob_store.put(info.image_id, sealed))
        for name, value in zip(
            times, (t_mod, t_prov, t_job, t_enc, t_store, t_job + t_enc + t_store), strict=True
        ):
            times[name].append(value)
    await c.aclose()
    return times


async def throughput(data_dir: Path) -> tuple[int, float]:
    """Images per second through the worker processes, all images submitted at once."""
    c = build_components(load_settings(data_dir))
    c.image_work.start()
    image = _encode(render(7, 1024, 1024), "png")
    jobs = [ImageJob(image, "png", ProvenanceInfo(new_id(), "m", "b", utcnow(), "u")) for _ in range(4)]
    await c.image_work.run(jobs)
    jobs = [ImageJob(image, "png", ProvenanceInfo(new_id(), "m", "b", utcnow(), "u"))] * THROUGHPUT_IMAGES
    started = time.perf_counter()
    await c.image_work.run(jobs)
    elapsed = time.perf_counter() - started
    workers = c.image_work.workers
    await c.aclose()
    return workers, THROUGHPUT_IMAGES / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "limner.cli", "init", "--data-dir", str(data_dir), "--json"],
            check=True,
            capture_output=True,
        )
        workers, rate = asyncio.run(throughput(data_dir))
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        times = asyncio.run(measure(data_dir))
    rows = [f"| {name} | {pct(v, 50):.1f} | {pct(v, 99):.1f} |" for name, v in times.items()]
    print(
        "\n".join(
            [
                "### Image post-processing per 1024x1024 image (bench/image_stages.py)",
                "",
                f"In-process, pinned to one core, {RUNS} runs, the embedded defaults from `limner init` (moderation and "
                "provenance as configured there); the input is a 1024x1024 PNG from the `local` backend. Times in ms.",
                "",
                "| stage | p50 | p99 |",
                "|---|---|---|",
                *rows,
                "",
                "`total` = worker job + encrypt + store (moderation and provenance are shown alone for comparison).",
                "",
                f"Throughput of the image workers ({workers} processes, {THROUGHPUT_IMAGES} images of 1024x1024 "
                f"submitted at once, moderation + provenance): **{rate:.1f} images/s**.",
            ]
        )
    )


if __name__ == "__main__":
    main()
