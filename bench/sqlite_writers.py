"""Where the request path's time goes on SQLite at concurrency 1 and 16 (bench; prints, writes nothing).

The set-up of bench/overhead.py (a real `limner serve` on SQLite in front of a loopback fake of OpenAI's Images
API), with the server run under a wrapper that times, per writing transaction, the wait for the write turn
(this engine's writer queue) and the turn itself (from getting it to handing it on, COMMIT included), and
counts the hand-offs to aiosqlite's thread (per request, and within each write turn); also the server's CPU
per request. `--src DIR` runs the server from another source tree (e.g. `git archive main src`), so that
before and after can be run alternately on a shared machine:

    python -m bench.sqlite_writers [--src /tmp/base/src]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
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
    """The server, with every write turn timed (the wait for it, then the turn itself: from getting
    it to the call that hands it on, wherever that runs) and every hand-off to aiosqlite's thread
    counted, in total and within each turn; SIGUSR1 writes the numbers to $BENCH_OUT."""
    import aiosqlite

    from limner import sqlite_driver as driver

    stats: dict[str, Any] = {"wait": [], "turn": [], "turn_handoffs": [], "handoffs": 0}
    per_connection: dict[int, int] = {}
    holders: dict[int, tuple[float, int, int]] = {}  # per queue's lock: since, connection, hand-offs
    execute = aiosqlite.Connection._execute
    adapted, queue = driver._OneHopConnection, driver.WriterQueue
    queue_for_write, leave = adapted.queue_for_write, queue.leave

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        stats["handoffs"] += 1
        per_connection[id(self)] = per_connection.get(id(self), 0) + 1
        return await execute(self, fn, *args, **kwargs)

    def timed_queue(self: Any) -> None:
        started = time.perf_counter()
        queue_for_write(self)
        now = time.perf_counter()
        stats["wait"].append((now - started) * 1000)
        connection = id(self._connection)
        holders[id(self._turn[0])] = (now, connection, per_connection.get(connection, 0))

    def timed_leave(turn: Any) -> None:
        if (held := holders.pop(id(turn[0]), None)) is not None:
            stats["turn"].append((time.perf_counter() - held[0]) * 1000)
            stats["turn_handoffs"].append(per_connection.get(held[1], 0) - held[2])
        leave(turn)

    def dump(*_: Any) -> None:
        Path(os.environ["BENCH_OUT"]).write_text(json.dumps(stats))

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    adapted.queue_for_write = timed_queue  # type: ignore[method-assign]
    queue.leave = staticmethod(timed_leave)  # type: ignore[method-assign,assignment]
    signal.signal(signal.SIGUSR1, dump)
    from limner.cli.main import app

    app()


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def server_stats(pid: int, out: Path) -> dict[str, Any]:
    """The server's numbers so far (SIGUSR1 makes it write them)."""
    out.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    async with asyncio.timeout(30):
        while not out.exists():
            await asyncio.sleep(0.05)
        while True:  # until the file is whole
            with contextlib.suppress(json.JSONDecodeError):
                stats: dict[str, Any] = json.loads(out.read_text())
                return stats
            await asyncio.sleep(0.05)


async def measure(base: str, key: str, pid: int, out: Path) -> None:
    url, headers = f"{base}/v1/images/generations", {"authorization": f"Bearer {key}"}
    for concurrency, total in REQUESTS.items():
        await load(url, headers, concurrency, 20)  # warm-up
        before = await server_stats(pid, out)
        cpu, started = cpu_s(pid), time.perf_counter()
        _, responses = await load(url, headers, concurrency, total)
        cpu, elapsed = cpu_s(pid) - cpu, time.perf_counter() - started
        after = await server_stats(pid, out)
        overhead = header_ms(responses, "x-limner-overhead-ms")
        path = [o - i for o, i in zip(overhead, header_ms(responses, "x-limner-image-ms"), strict=True)]
        print(
            f"c={concurrency}: request path p50 {pct(path, 50):.1f} / p99 {pct(path, 99):.1f} ms; "
            f"{total / elapsed:.1f} req/s; server CPU {cpu / total * 1000:.1f} ms per request"
        )
        n = len(before["turn"])
        wait, turn, in_turn = after["wait"][n:], after["turn"][n:], after["turn_handoffs"][n:]
        handoffs = (after["handoffs"] - before["handoffs"]) / total
        print(
            f"  wait for the write turn p50 {pct(wait, 50):.1f} / p99 {pct(wait, 99):.1f} ms; "
            f"write turn p50 {pct(turn, 50):.1f} / p99 {pct(turn, 99):.1f} ms (n={len(turn)}); "
            f"hand-offs to SQLite's thread: {handoffs:.1f} per request, {pct(in_turn, 50):.0f} per write turn (p50)"
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
            asyncio.run(measure(f"http://127.0.0.1:{port}", creds["api_key"], server.pid, out))
        finally:
            server.terminate()
            server.wait(timeout=20)
    print("load average:", Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        del sys.argv[1]
        serve_timed()
    else:
        main()
