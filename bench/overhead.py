"""Limner's added latency over calling the same fake upstream directly (bench; prints and writes results).

Method: a loopback fake of OpenAI's Images API; a real `limner serve` (SQLite, encrypted blobs, the default
policy, audit) whose `openai` backend points at that fake. The same JSON request goes (a) straight to the fake
and (b) through Limner, at concurrency 1 and 16. Reported: end-to-end added latency (Limner minus direct, per
percentile) and, from Limner's own headers, the request path (x-limner-overhead-ms minus x-limner-image-ms)
and the image stages. A second part times the image stages in-process, per 1024x1024 image, pinned to one core.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.e2e.conftest import free_port, wait_ready
from tests.fakes.openai_upstream import serve_fake_upstream

from bench._common import machine, pct, summary, write_result

LIMNER = [sys.executable, "-m", "limner.cli"]
PROMPT = (
    "A wide watercolour of a harbour town at dawn, fishing boats with red sails, gulls over the pier, "
    "soft mist on the hills behind, warm light on whitewashed houses, a lighthouse on the left, "
    "children flying a kite on the beach, and a market with baskets of lemons and fresh bread. "
)[:300]
REQUESTS = {1: 150, 16: 320}


def configure(data_dir: Path, upstream: str, api_key: str) -> None:
    extra = f"""
[generation]
default_model = "dall-e-2"

[generation.backends.local]
kind = "local"

[generation.backends.upstream]
kind = "openai"
base_url = "{upstream}"
api_key = "{api_key}"
max_retries = 0

[[generation.models]]
id = "limner-local"
backend = "local"
family = "local"

[[generation.models]]
id = "dall-e-2"
backend = "upstream"
family = "dall-e-2"
"""
    with (data_dir / "config.toml").open("a") as handle:
        handle.write(extra)


async def load(
    url: str, headers: dict[str, str], concurrency: int, total: int
) -> tuple[list[float], list[httpx.Response]]:
    body = {"model": "dall-e-2", "prompt": PROMPT, "size": "256x256", "response_format": "b64_json"}
    latencies: list[float] = []
    responses: list[httpx.Response] = []
    queue = list(range(total))
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:

        async def worker() -> None:
            while queue:
                queue.pop()
                started = time.perf_counter()
                resp = await http.post(url, json=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                resp.raise_for_status()
                responses.append(resp)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, responses


def header_ms(responses: list[httpx.Response], name: str) -> list[float]:
    return [float(r.headers[name]) for r in responses]


async def measure(upstream: str, upstream_key: str, limner: str, key: str) -> list[str]:
    rows = []
    direct_headers = {"authorization": f"Bearer {upstream_key}"}
    for concurrency, total in REQUESTS.items():
        await load(f"{upstream}/images/generations", direct_headers, concurrency, 20)  # warm-up
        await load(f"{limner}/v1/images/generations", {"authorization": f"Bearer {key}"}, concurrency, 20)
        direct, _ = await load(f"{upstream}/images/generations", direct_headers, concurrency, total)
        via, responses = await load(
            f"{limner}/v1/images/generations", {"authorization": f"Bearer {key}"}, concurrency, total
        )
        overhead = header_ms(responses, "x-limner-overhead-ms")
        image = header_ms(responses, "x-limner-image-ms")
        path = [o - i for o, i in zip(overhead, image, strict=True)]
        rows.append(
            f"| {concurrency} | {total} | {pct(direct, 50):.2f} / {pct(direct, 99):.2f} | "
            f"{pct(via, 50):.2f} / {pct(via, 99):.2f} | "
            f"{pct(via, 50) - pct(direct, 50):.2f} / {pct(via, 99) - pct(direct, 99):.2f} | "
            f"{pct(path, 50):.2f} / {pct(path, 99):.2f} | {pct(image, 50):.2f} / {pct(image, 99):.2f} |"
        )
        print(
            f"c={concurrency}: direct {summary(direct)}; limner {summary(via)}; request path {summary(path)}"
        )
    return rows


def init_trained(data_dir: Path) -> dict[str, str]:
    """`limner init`, then the admin's training recorded: the training gate is on by default."""
    init = subprocess.run(
        [*LIMNER, "init", "--data-dir", str(data_dir), "--json"], capture_output=True, text=True, check=True
    )
    creds: dict[str, str] = json.loads(init.stdout)
    training = ["training", "record", "--user", creds["admin_email"], "--all", "--data-dir", str(data_dir)]
    subprocess.run([*LIMNER, *training], capture_output=True, check=True)
    return creds


def image_stages() -> str:
    """Per-stage cost of the image pipeline for one 1024x1024 image, in-process on one core."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.image_stages"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return result.stdout


def main() -> None:
    with serve_fake_upstream() as (upstream, state), tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", free_port()
        creds = init_trained(data_dir)
        configure(data_dir, upstream, state.api_key)
        env = {**os.environ, "LIMNER_SERVER__PORT": str(port)}
        server = subprocess.Popen(
            [*LIMNER, "serve", "--data-dir", str(data_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, server, timeout_s=300)  # a shared, loaded machine can take minutes
            rows = asyncio.run(measure(upstream, state.api_key, base, creds["api_key"]))
        finally:
            server.terminate()
            server.wait(timeout=20)
    stages = image_stages()
    print(stages)
    write_result(
        "overhead",
        "\n".join(
            [
                "## Gateway overhead (bench/overhead.py)",
                "",
                f"Machine: {machine()}. A real `limner serve` (one uvicorn worker, SQLite WAL, encrypted blob store, "
                "default prompt policy on, audit chain) in front of a loopback fake of OpenAI's Images API; the client "
                "sends the same 300-character prompt for one 256x256 image (dall-e-2 shape, b64_json). Times in ms, "
                "p50 / p99. *Request path* = Limner's own time minus the image stages (authentication, authorisation, "
                "policy, storage bookkeeping, audit, response), from the `x-limner-overhead-ms` and `x-limner-image-ms` "
                "headers. *Added* = through Limner minus direct, per percentile.",
                "",
                "| concurrency | requests | direct | through Limner | added | request path | image stages (256²) |",
                "|---|---|---|---|---|---|---|",
                *rows,
                "",
                stages,
            ]
        ),
    )


if __name__ == "__main__":
    main()
