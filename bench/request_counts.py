"""Database work per generation: statements, transactions and calls into aiosqlite (bench; prints).

In-process (the app over an ASGI transport), SQLite, audit on, the training gate on (a trained caller),
a per-user daily quota (database counter store), the fake backend, image moderation and provenance off: what is counted is the request path's
database work, which the shared machine's load does not change. `PYTHONPATH` picks the code under test:

    PYTHONPATH=src:. python -m bench.request_counts [--show]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from sqlalchemy import event
from tests.conftest import create_schema, make_settings
from tests.factories import complete_training, make_caller

from bench._common import pct
from limner.components import build_components
from limner.main import create_app

REQUESTS = 200
BODY = {"model": "fake-model", "prompt": "a lighthouse at dawn, watercolour", "response_format": "b64_json"}


class Tally:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.begins = 0
        self.hops = 0

    def reset(self) -> None:
        self.statements, self.begins, self.hops = [], 0, 0


def instrument(engine: Any, tally: Tally) -> None:
    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        tally.statements.append(" ".join(statement.split())[:110])

    def on_begin(_conn: Any) -> None:
        tally.begins += 1

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    event.listen(engine.sync_engine, "begin", on_begin)
    original: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute  # every hand-off to its thread

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        tally.hops += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]


async def run(show: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        quotas = {"per_user": {"per_day": 100_000}}
        settings = make_settings(
            Path(tmp) / "data",
            moderation={"enabled": False},
            provenance={"enabled": False},
            identity={"quotas": quotas},
            education={"required": True},
        )
        c = build_components(settings)
        await create_schema(c.engine)
        caller = await make_caller(c, roles=["creator"])
        await complete_training(c, caller.email)
        tally = Tally()
        instrument(c.engine, tally)
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(20):  # warm-up: the first request creates the data key and the pseudonym
                (
                    await http.post("/v1/images/generations", json=BODY, headers=caller.headers)
                ).raise_for_status()
            tally.reset()
            if show:
                (
                    await http.post("/v1/images/generations", json=BODY, headers=caller.headers)
                ).raise_for_status()
                print("\n".join(tally.statements))
                tally.reset()
            paths: list[float] = []
            started = time.process_time()
            for _ in range(REQUESTS):
                resp = await http.post("/v1/images/generations", json=BODY, headers=caller.headers)
                resp.raise_for_status()
                paths.append(
                    float(resp.headers["x-limner-overhead-ms"]) - float(resp.headers["x-limner-image-ms"])
                )
            cpu_ms = (time.process_time() - started) * 1000 / REQUESTS
        await c.aclose()
    kinds = Counter(s.split()[0] for s in tally.statements)
    n = REQUESTS
    print(
        f"per generation: {len(tally.statements) / n:.1f} statements ({dict(kinds)} over {n}), "
        f"{tally.begins / n:.1f} transactions, {tally.hops / n:.1f} aiosqlite calls; "
        f"process CPU {cpu_ms:.2f} ms (client included); request path p50 {pct(paths, 50):.2f} / "
        f"p99 {pct(paths, 99):.2f} ms"
    )


if __name__ == "__main__":
    asyncio.run(run("--show" in sys.argv))
