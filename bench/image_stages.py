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


class Clock:
    """Wall time and CPU time of this process (CPU time barely moves when other jobs share the cores)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = (time.perf_counter() - self.wall) * 1000
        self.cpu = (time.process_time() - self.cpu) * 1000


STAGES = (
    "moderation",
    "provenance",
    "worker job",
    "worker job, JPEG in and out",
    "worker job, WebP in and out",
    "encrypt",
    "store",
    "total",
)


async def measure(data_dir: Path) -> dict[str, tuple[list[float], list[float]]]:
    c = build_components(load_settings(data_dir))
    pixels = render(7, 1024, 1024)
    image, jpeg, webp = _encode(pixels, "png"), _encode(pixels, "jpeg"), _encode(pixels, "webp")
    key = new_key()
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in STAGES}
    for _ in range(RUNS):
        info = ProvenanceInfo(new_id(), "limner-local", "bench", utcnow(), "u_bench")
        with Clock() as mod:
            await moderate_image(image, moderators=c.moderators, settings=c.settings.moderation)
        with Clock() as prov:
            stamped = c.provenance.stamp(image, fmt="png", info=info)
        with Clock() as job:
            c.image_work.stages.run(ImageJob(image, "png", info))
        with Clock() as jpeg_job:
            c.image_work.stages.run(ImageJob(jpeg, "jpeg", info))
        with Clock() as webp_job:
            c.image_work.stages.run(ImageJob(webp, "webp", info))
        with Clock() as enc:
            sealed = seal(key, stamped, aad=b"bench")
        with Clock() as store:
            await c.blob_store.put(info.image_id, sealed)
        clocks = (mod, prov, job, jpeg_job, webp_job, enc, store)
        for name, wall, cpu in zip(
            STAGES,
            [k.wall for k in clocks] + [job.wall + enc.wall + store.wall],
            [k.cpu for k in clocks] + [job.cpu + enc.cpu + store.cpu],
            strict=True,
        ):
            times[name][0].append(wall)
            times[name][1].append(cpu)
    await c.aclose()
    return times


async def throughput(data_dir: Path) -> tuple[int, float, float | None, float]:
    """Images per second through the worker processes, all images submitted at once; the workers' CPU
    time per image (from /proc, where there is one) and this process's (submitting, collecting): together
    the rate the cores could give if they were free."""
    c = build_components(load_settings(data_dir))
    c.image_work.start()
    image = _encode(render(7, 1024, 1024), "png")
    jobs = [ImageJob(image, "png", ProvenanceInfo(new_id(), "m", "b", utcnow(), "u")) for _ in range(4)]
    await c.image_work.run(jobs)
    pool = c.image_work._pool
    pids = list(pool._processes) if pool is not None else []
    cpu_before = worker_cpu(pids)
    jobs = [ImageJob(image, "png", ProvenanceInfo(new_id(), "m", "b", utcnow(), "u"))] * THROUGHPUT_IMAGES
    started, own_started = time.perf_counter(), time.process_time()
    await c.image_work.run(jobs)
    elapsed, own_ms = time.perf_counter() - started, (time.process_time() - own_started) * 1000
    cpu_after = worker_cpu(pids)
    workers = c.image_work.workers
    await c.aclose()
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None:
        cpu_ms = (cpu_after - cpu_before) * 1000 / THROUGHPUT_IMAGES
    return workers, THROUGHPUT_IMAGES / elapsed, cpu_ms, own_ms / THROUGHPUT_IMAGES


def worker_cpu(pids: list[int]) -> float | None:
    """User + system CPU seconds of the processes, or None without /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of stat(5)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "limner.cli", "init", "--data-dir", str(data_dir), "--json"],
            check=True,
            capture_output=True,
        )
        workers, rate, worker_cpu_ms, own_cpu_ms = asyncio.run(throughput(data_dir))
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        times = asyncio.run(measure(data_dir))
    rows = [
        f"| {name} | {pct(wall, 50):.1f} | {pct(wall, 99):.1f} | {pct(cpu, 50):.1f} | {pct(cpu, 99):.1f} |"
        for name, (wall, cpu) in times.items()
    ]
    print(
        "\n".join(
            [
                "### Image post-processing per 1024x1024 image (bench/image_stages.py)",
                "",
                f"In-process, pinned to one core, {RUNS} runs, the embedded defaults from `limner init` (moderation and "
                "provenance as configured there); the input is a 1024x1024 PNG from the `local` backend (the JPEG and "
                "WebP rows: the same render encoded as JPEG or WebP q90, stamped in its own format). Times in ms.",
                "",
                f"Load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: wall "
                "times stretch with it, CPU times much less).",
                "",
                "| stage | wall p50 | wall p99 | CPU p50 | CPU p99 |",
                "|---|---|---|---|---|",
                *rows,
                "",
                "`total` = worker job (PNG) + encrypt + store (moderation and provenance are shown alone for comparison).",
                "",
                f"Throughput of the image workers ({workers} processes, {THROUGHPUT_IMAGES} images of 1024x1024 "
                f"submitted at once, moderation + provenance): **{rate:.1f} images/s**.",
                *_capacity(workers, worker_cpu_ms, own_cpu_ms),
            ]
        )
    )


def _capacity(workers: int, cpu_ms: float | None, own_ms: float) -> list[str]:
    if cpu_ms is None:
        return []
    return [
        "",
        f"The workers used {cpu_ms:.1f} ms of CPU per image and the submitting process {own_ms:.1f} ms, so "
        f"{workers} free cores would give about {workers * 1000 / (cpu_ms + own_ms):.1f} images/s.",
    ]


if __name__ == "__main__":
    main()
