"""Where the request path's time goes on SQLite at concurrency 1 and 16 (bench; prints, writes nothing).

The set-up of bench/overhead.py (a real `limner serve` on SQLite in front of a loopback fake of OpenAI's Images
API), with the server run under a wrapper that times, per writing transaction, the wait for the write turn
(this engine's queue, then BEGIN IMMEDIATE) and the turn itself (BEGIN IMMEDIATE to COMMIT); also the server's
CPU per request. `--src DIR` runs the server from another source tree (e.g. `git archive main src`), so that
before and after can be run alternately on a shared machine:

    python -m bench.sqlite_writers [--src /tmp/base/src]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import free_port, wait_ready
from tests.fakes.openai_upstream import serve_fake_upstream

from bench._common import ROOT, pct
from bench.overhead import configure, header_ms, init_trained, load

REQUESTS = {1: 100, 16: 320}


def serve_timed() -> None:
    """The server, with the write turn timed; the numbers are written to $BENCH_OUT every 25 writes."""
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection as Adapted

    import limner.db as db

    stats: dict[str, list[float]] = {"wait": [], "turn": []}
    opened: dict[int, float] = {}
    name = "sqlite_begin" if hasattr(db, "sqlite_begin") else "_sqlite_begin_immediate"
    begin, commit = getattr(db, name), Adapted.commit

    def timed_begin(connection: Any) -> None:
        started = time.perf_counter()
        begin(connection)
        if not connection.get_execution_options().get(db.READ_ONLY, False):
            opened[id(connection.connection.dbapi_connection)] = time.perf_counter()
            stats["wait"].append((time.perf_counter() - started) * 1000)
            if len(stats["wait"]) % 25 == 0:
                Path(os.environ["BENCH_OUT"]).write_text(json.dumps(stats))

    def timed_commit(self: Any) -> None:
        commit(self)
        if (began := opened.pop(id(self), None)) is not None:
            stats["turn"].append((time.perf_counter() - began) * 1000)

    setattr(db, name, timed_begin)
    Adapted.commit = timed_commit  # type: ignore[method-assign]
    from limner.cli.main import app

    app()


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(base: str, key: str, pid: int) -> None:
    url, headers = f"{base}/v1/images/generations", {"authorization": f"Bearer {key}"}
    for concurrency, total in REQUESTS.items():
        await load(url, headers, concurrency, 20)  # warm-up
        cpu, started = cpu_s(pid), time.perf_counter()
        _, responses = await load(url, headers, concurrency, total)
        cpu, elapsed = cpu_s(pid) - cpu, time.perf_counter() - started
        overhead = header_ms(responses, "x-limner-overhead-ms")
        path = [o - i for o, i in zip(overhead, header_ms(responses, "x-limner-image-ms"), strict=True)]
        print(
            f"c={concurrency}: request path p50 {pct(path, 50):.1f} / p99 {pct(path, 99):.1f} ms; "
            f"{total / elapsed:.1f} req/s; server CPU {cpu / total * 1000:.1f} ms per request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(ROOT / "src"), help="source tree the server runs from")
    args = parser.parse_args()
    with serve_fake_upstream() as (upstream, state), tempfile.TemporaryDirectory() as tmp:
        os.environ["PYTHONPATH"] = f"{args.src}{os.pathsep}{ROOT}"
        data_dir, port, out = Path(tmp) / "data", free_port(), Path(tmp) / "writes.json"
        creds = init_trained(data_dir)
        configure(data_dir, upstream, state.api_key)
        env = {**os.environ, "LIMNER_SERVER__PORT": str(port), "BENCH_OUT": str(out)}
        command = [
            sys.executable,
            "-m",
            "bench.sqlite_writers",
            "--serve",
            "serve",
            "--data-dir",
            str(data_dir),
        ]
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", server, timeout_s=300)
            asyncio.run(measure(f"http://127.0.0.1:{port}", creds["api_key"], server.pid))
        finally:
            server.terminate()
            server.wait(timeout=20)
        stats = json.loads(out.read_text())
    for name, label in (
        ("wait", "wait for the write turn"),
        ("turn", "write turn (BEGIN IMMEDIATE..COMMIT)"),
    ):
        values = stats[name]
        print(
            f"{label}, both runs: p50 {pct(values, 50):.1f} / p99 {pct(values, 99):.1f} ms, n={len(values)}"
        )
    print("load average:", Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        del sys.argv[1]
        serve_timed()
    else:
        main()
