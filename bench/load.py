"""Load test: N concurrent clients with the official openai SDK against one and two Limner replicas and,
side by side in the same run, LiteLLM's proxy, all forwarding to one fake upstream (bench; writes results).

The fake (its own process) answers every image request after a fixed delay with the same realistic
1024x1024 PNG (Limner's `local` renderer plus noise, ~1.8 MB). Limner runs with the embedded defaults of
`limner init` (SQLite, default prompt policy, image moderation, C2PA + watermark, audit); "2 replicas" are
two `limner serve` processes on one data dir, the clients spreading requests round-robin. LiteLLM
(`litellm[proxy]`, installed by this script into bench/.venvs/litellm) runs without guardrails. Added latency
= latency through the gateway minus latency straight to the fake, per percentile.

    python -m bench.load [--concurrency 1,16] [--requests 24,96] [--delay 1.0] [--size 1024x1024]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bench._common import ROOT, machine, pct, write_result
from bench.overhead import configure, init_trained

LIMNER = [sys.executable, "-m", "limner.cli"]
VENV = ROOT / "bench" / ".venvs" / "litellm"
LITELLM_SPEC = "litellm[proxy]"
UPSTREAM_KEY = "sk-fake-upstream"
PROMPT = "A watercolour of a harbour town at dawn, fishing boats with red sails, gulls over the pier."


class _Alive:
    """wait_http's process argument for processes that `process` owns (they are not polled)."""

    returncode = None

    def poll(self) -> None:
        return None


@dataclass
class Run:
    target: str
    concurrency: int
    latencies: list[float]
    errors: int
    seconds: float


def realistic_png(size: str) -> bytes:
    from limner.generation.backends.local import render

    width, height = (int(side) for side in size.split("x"))
    pixels = np.asarray(render(11, width, height), dtype=np.int16)[:, :, :3]
    noise = np.random.default_rng(1).integers(-8, 9, pixels.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def fake_upstream_main(port: int, delay_s: float, size: str) -> None:
    """The fake's own process: POST */images/generations → the PNG after `delay_s`."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    image = base64.b64encode(realistic_png(size)).decode()

    async def generate(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {UPSTREAM_KEY}":
            return JSONResponse({"error": {"message": "bad key", "type": "invalid_request_error"}}, 401)
        body = await request.json()
        await asyncio.sleep(delay_s)
        data = [{"b64_json": image} for _ in range(int(body.get("n") or 1))]
        return JSONResponse({"created": int(time.time()), "data": data})

    async def models(_request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "dall-e-2", "object": "model"}]})

    routes = [Route("/v1/images/generations", generate, methods=["POST"]), Route("/v1/models", models)]
    uvicorn.run(Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    from tests.e2e.conftest import free_port as pick

    return pick()


def wait_http(url: str, proc: _Alive, timeout_s: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[int]:
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def limner_data_dir(root: Path, upstream: str) -> tuple[Path, str]:
    data_dir = root / "limner"
    key = init_trained(data_dir)["api_key"]
    configure(data_dir, upstream, UPSTREAM_KEY)
    return data_dir, key


def litellm_python() -> Path | str:
    """The proxy's own venv (created once); the error text when it cannot be installed here."""
    python = VENV / "bin" / "python"
    if (VENV / "bin" / "litellm").exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", LITELLM_SPEC], capture_output=True, text=True
    )
    if installed.returncode != 0:
        return f"`pip install {LITELLM_SPEC}` failed: {installed.stderr.strip().splitlines()[-1:]}"
    return python


def litellm_version(python: Path) -> str:
    shown = subprocess.run([str(python), "-m", "pip", "show", "litellm"], capture_output=True, text=True)
    return next(
        (line.split(":", 1)[1].strip() for line in shown.stdout.splitlines() if line.startswith("Version")),
        "?",
    )


async def drive(
    bases: list[str], key: str, concurrency: int, total: int, size: str
) -> tuple[list[float], int, float]:
    import openai

    clients = [openai.AsyncOpenAI(base_url=b, api_key=key, max_retries=0, timeout=300) for b in bases]
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        for index in counter:
            client = clients[index % len(clients)]
            started = time.perf_counter()
            try:
                await client.images.generate(
                    model="dall-e-2",
                    prompt=PROMPT,
                    size=size,
                    response_format="b64_json",  # type: ignore[arg-type]
                )
            except openai.OpenAIError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    for client in clients:
        await client.close()
    return latencies, errors, seconds


def measure(target: str, bases: list[str], key: str, plan: dict[int, int], size: str) -> list[Run]:
    runs = []
    for concurrency, total in plan.items():
        asyncio.run(drive(bases, key, concurrency, max(2, concurrency), size))  # warm-up
        latencies, errors, seconds = asyncio.run(drive(bases, key, concurrency, total, size))
        runs.append(Run(target, concurrency, latencies, errors, seconds))
        print(f"{target} c={concurrency}: p50 {pct(latencies, 50):.0f} ms, p99 {pct(latencies, 99):.0f} ms, "
              f"{len(latencies) / seconds:.2f} req/s, errors {errors}", flush=True)  # fmt: skip
    return runs


def table(runs: list[Run]) -> list[str]:
    direct = {r.concurrency: r for r in runs if r.target == "direct"}
    rows = [
        "| target | concurrency | ok / errors | throughput (req/s) | latency p50 / p99 (ms) | added p50 / p99 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        d = direct[r.concurrency].latencies
        added = (
            "—"
            if r.target == "direct"
            else f"{pct(r.latencies, 50) - pct(d, 50):.0f} / {pct(r.latencies, 99) - pct(d, 99):.0f}"
        )
        rows.append(
            f"| {r.target} | {r.concurrency} | {len(r.latencies)} / {r.errors} | {len(r.latencies) / r.seconds:.2f} | "
            f"{pct(r.latencies, 50):.0f} / {pct(r.latencies, 99):.0f} | {added} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--requests", default="24,96")
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--size", default="1024x1024")
    parser.add_argument("--fake", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake:
        fake_upstream_main(args.fake, args.delay, args.size)
        return
    plan = dict(zip(map(int, args.concurrency.split(",")), map(int, args.requests.split(",")), strict=True))
    runs: list[Run] = []
    notes: list[str] = []
    fake_port = free_port()
    upstream = f"http://127.0.0.1:{fake_port}/v1"
    with (
        tempfile.TemporaryDirectory() as tmp,
        process(
            [
                sys.executable,
                "-m",
                "bench.load",
                "--fake",
                str(fake_port),
                "--delay",
                str(args.delay),
                "--size",
                args.size,
            ]
        ) as _fake,
    ):
        root = Path(tmp)
        wait_http(f"{upstream}/models", _Alive())
        runs += measure("direct", [upstream], UPSTREAM_KEY, plan, args.size)
        data_dir, key = limner_data_dir(root, upstream)
        ports = [free_port(), free_port()]
        serve = [*LIMNER, "serve", "--data-dir", str(data_dir)]
        with process([*serve, "--port", str(ports[0])], log=root / "a.log"):
            wait_http(f"http://127.0.0.1:{ports[0]}/readyz", _Alive())
            runs += measure("Limner, 1 replica", [f"http://127.0.0.1:{ports[0]}/v1"], key, plan, args.size)
            with process([*serve, "--port", str(ports[1])], log=root / "b.log"):
                wait_http(f"http://127.0.0.1:{ports[1]}/readyz", _Alive())
                bases = [f"http://127.0.0.1:{p}/v1" for p in ports]
                runs += measure("Limner, 2 replicas", bases, key, plan, args.size)
        python = litellm_python()
        if isinstance(python, str):
            notes.append(f"LiteLLM could not be installed here: {python}")
        else:
            version = litellm_version(python)
            config = root / "litellm.yaml"
            config.write_text(
                "model_list:\n  - model_name: dall-e-2\n    litellm_params:\n      model: openai/dall-e-2\n"
                f"      api_base: {upstream}\n      api_key: {UPSTREAM_KEY}\n"
            )
            port = free_port()
            litellm = [str(python.parent / "litellm"), "--config", str(config), "--port", str(port)]
            master = f"sk-bench-{secrets.token_hex(16)}"  # the proxy refuses to start without one
            env = {
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_LOG": "ERROR",
                "LITELLM_MASTER_KEY": master,
            }
            with process(litellm, env=env, log=root / "litellm.log"):
                try:
                    wait_http(f"http://127.0.0.1:{port}/health/liveliness", _Alive())
                except RuntimeError:
                    print((root / "litellm.log").read_text()[-3000:], file=sys.stderr)
                    raise
                base = [f"http://127.0.0.1:{port}/v1"]
                runs += measure(f"LiteLLM {version} proxy", base, master, plan, args.size)
    write(runs, notes, args)


def write(runs: list[Run], notes: list[str], args: argparse.Namespace) -> None:
    load = os.getloadavg()
    write_result(
        "load",
        "\n".join(
            [
                "## Load: Limner x1, x2 and LiteLLM's proxy side by side (bench/load.py)",
                "",
                f"Machine: {machine()}; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
                "(1 / 5 / 15 min; the machine was shared). The official openai SDK (AsyncOpenAI, one client per "
                f"target, no retries) sends `images.generate(model=dall-e-2, size={args.size}, b64_json)`; the fake "
                f"upstream waits {args.delay:.1f} s and returns a realistic {args.size} PNG. Limner: embedded defaults "
                "of `limner init` (SQLite, default prompt policy, open_nsfw moderation, C2PA + watermark, audit), "
                "image stages in worker processes (one per core per replica). 2 replicas = two `limner serve` "
                "processes on one data dir, requests spread round-robin. LiteLLM: no guardrails, no database.",
                "",
                *table(runs),
                *(["", *notes] if notes else []),
            ]
        ),
    )


if __name__ == "__main__":
    main()
