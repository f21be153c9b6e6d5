"""CPU time of Limner's request path per request, measured on the server's process tree (bench; prints).

Wall-clock latency on a shared machine stretches with everyone else's load; the CPU time the server spends
per request does not (much). Set-up as bench/overhead.py (a real `limner serve` over a loopback fake
upstream, default prompt policy, audit, SQLite), but with image moderation and provenance off, so what is
left is the request path: authentication, policy, database work, audit, response. `PYTHONPATH` picks the
code under test, so two checkouts can be compared in one run:

    PYTHONPATH=src python -m bench.request_cpu
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.conftest import free_port, wait_ready
from tests.fakes.openai_upstream import serve_fake_upstream

from bench._common import pct
from bench.overhead import LIMNER, configure, header_ms, init_trained, load

REQUESTS = 200
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` and its descendants (live ones) from /proc."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(child) for child in children)
    return total


def main() -> None:
    with serve_fake_upstream() as (upstream, state), tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", free_port()
        key = init_trained(data_dir)["api_key"]
        configure(data_dir, upstream, state.api_key)
        env = {**os.environ, "LIMNER_MODERATION__ENABLED": "false", "LIMNER_PROVENANCE__ENABLED": "false"}
        server = subprocess.Popen([*LIMNER, "serve", "--data-dir", str(data_dir), "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, server, timeout_s=300)
            headers = {"authorization": f"Bearer {key}"}
            asyncio.run(load(f"{base}/v1/images/generations", headers, 1, 30))  # warm-up
            before = tree_cpu_s(server.pid)
            _, responses = asyncio.run(load(f"{base}/v1/images/generations", headers, 1, REQUESTS))
            cpu_ms = (tree_cpu_s(server.pid) - before) * 1000 / REQUESTS
        finally:
            server.terminate()
            server.wait(timeout=30)
    overhead = header_ms(responses, "x-limner-overhead-ms")
    path = [o - i for o, i in zip(overhead, header_ms(responses, "x-limner-image-ms"), strict=True)]
    print(f"{os.environ.get('PYTHONPATH', '')}: server CPU per request {cpu_ms:.2f} ms; "
          f"x-limner-overhead-ms p50 {pct(overhead, 50):.2f} / p99 {pct(overhead, 99):.2f}; "
          f"request path p50 {pct(path, 50):.2f} / p99 {pct(path, 99):.2f} "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
