"""Shared helpers for benchmarks: percentiles, machine description, result files."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The labelled public datasets the evaluations read (not shipped: see BENCHMARKS.md for names and licenses).
EVAL_DIR = Path(os.environ.get("LIMNER_EVAL_DIR", ROOT.parent / "shared" / "eval" / "dev"))
if str(ROOT) not in sys.path:  # benchmarks reuse the test suite's loopback fakes
    sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 50):.2f} ms, p99 {pct(values, 99):.2f} ms, mean {statistics.fmean(values):.2f} ms"
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def write_result(name: str, markdown: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(markdown.rstrip() + "\n")
    return path
