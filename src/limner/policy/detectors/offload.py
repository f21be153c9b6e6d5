"""Local model detectors that run off the event loop: one worker thread per detector, reopened after close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from limner.policy.schemas import Finding


class WorkerThread:
    """Runs a detector's synchronous `detect` on its own thread, so the event loop stays free."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, detect: Callable[[str], list[Finding]], text: str) -> list[Finding]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"limner-{self._name}")
        return await asyncio.get_running_loop().run_in_executor(self._executor, detect, text)

    def close(self) -> None:
        """Stop the thread; the next `run` starts a new one (policies share built detectors)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)
