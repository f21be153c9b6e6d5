"""Server time of one prompt-coach check (POST /coach) for a 300-character prompt (bench; prints and writes results).

The app runs in process on a fresh SQLite database with the shipped default policy; a signed-in person's
browser session posts the prompt as the Generate page does. Server time is measured around the ASGI app
(from the request reaching Limner to the last byte of the response), so it includes the session check,
CSRF check, policy engine and rendering, but no network."""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import create_schema, make_settings
from tests.factories import make_user
from tests.integration.identity.conftest import PASSWORD, identity_overrides

from bench._common import machine, pct, summary, write_result
from limner.components import build_components
from limner.main import create_app

WARMUP, RUNS = 100, 1000
CLEAN = "A watercolour poster for the summer party on the roof terrace, lanterns, a long table with friends, "
PROMPTS = [
    (CLEAN * 3)[:300],
    (CLEAN * 3)[:260] + " RSVP to jane.doe@example.com by Friday.",
    (CLEAN * 3)[:262] + " call me on +44 20 7946 0958 tonight",
]
Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Any, Any], Awaitable[None]]


class Timed:
    """Wraps the app and records each request's server time in milliseconds."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.times.append((time.perf_counter() - started) * 1000)


async def measure(data_dir: Path) -> list[float]:
    settings = make_settings(data_dir, **identity_overrides(), policy={"enabled": True})
    components = build_components(settings)
    await create_schema(components.engine)
    await components.policy.prepare()
    user = await make_user(components, roles=["creator"], password=PASSWORD)
    timed = Timed(create_app(components=components, run_jobs=False))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=timed), base_url="http://testserver"
    ) as http:
        await http.post("/signin", data={"email": user.email, "password": PASSWORD})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get("/")).text)
        assert csrf, "no CSRF token on the Generate page"
        headers = {"x-csrf-token": csrf.group(1)}
        for i in range(WARMUP + RUNS):
            if i == WARMUP:
                timed.times.clear()
            response = await http.post("/coach", data={"prompt": PROMPTS[i % len(PROMPTS)]}, headers=headers)
            assert response.status_code == 200, response.text
    await components.aclose()
    return timed.times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        times = asyncio.run(measure(Path(tmp) / "data"))
    line = f"{summary(times)}, p95 {pct(times, 95):.2f} ms"
    print(f"coach check, 300-character prompt: {line}")
    write_result(
        "coach",
        f"""## Prompt coach: server time per check

`bench/coach.py`: POST /coach from a signed-in browser session (session + CSRF check, the shipped default
policy on a 300-character prompt, the findings rendered), measured around the ASGI app in process, {RUNS} checks
after {WARMUP} warm-up, prompts alternating clean / an e-mail address / a phone number. Goal: p95 ≤ 20 ms.
Machine: {machine()} (shared with other jobs while measured).

| prompt length | p50 | p95 | p99 |
|---|---:|---:|---:|
| 300 characters | {pct(times, 50):.2f} ms | {pct(times, 95):.2f} ms | {pct(times, 99):.2f} ms |
""",
    )


if __name__ == "__main__":
    main()
