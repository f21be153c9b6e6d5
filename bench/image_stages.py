"""Per-stage cost of Limner's image pipeline for one 1024x1024 image, in-process, pinned to one core.

Stages: moderation (every configured provider), provenance (watermark + encode + C2PA sign), encryption
(AES-256-GCM under the owner's data key) and the blob write. Printed as a markdown table; bench/overhead.py
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
from limner.moderation.service import moderate_image
from limner.provenance.base import ProvenanceInfo
from limner.settings import load_settings
from limner.vault.crypto import new_key, seal

RUNS = 30


async def timed(awaitable: Awaitable[object]) -> float:
    started = time.perf_counter()
    await awaitable
    return (time.perf_counter() - started) * 1000


async def measure(data_dir: Path) -> dict[str, list[float]]:
    c = build_components(load_settings(data_dir))
    image = _encode(render(7, 1024, 1024), "png")
    key, times = new_key(), {name: [] for name in ("moderation", "provenance", "encrypt", "store", "total")}
    for _ in range(RUNS):
        info = ProvenanceInfo(new_id(), "limner-local", "bench", utcnow(), "u_bench")
        t_mod = await timed(moderate_image(image, moderators=c.moderators, settings=c.settings.moderation))
        started = time.perf_counter()
        stamped = c.provenance.stamp(image, fmt="png", info=info)
        t_prov = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        sealed = seal(key, stamped, aad=b"bench")
        t_enc = (time.perf_counter() - started) * 1000
        t_store = await timed(c.blob_store.put(info.image_id, sealed))
        for name, value in zip(
            times, (t_mod, t_prov, t_enc, t_store, t_mod + t_prov + t_enc + t_store), strict=True
        ):
            times[name].append(value)
    await c.aclose()
    return times


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "limner.cli", "init", "--data-dir", str(data_dir), "--json"],
            check=True,
            capture_output=True,
        )
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
            ]
        )
    )


if __name__ == "__main__":
    main()
