"""A scripted httpx transport for retry tests: each request gets the next answer (status or exception)."""

from __future__ import annotations

import httpx


class ScriptedAnswers:
    """Answers requests in order and records the backoff sleeps instead of sleeping."""

    def __init__(self, *answers: int | Exception, headers: dict[str, str] | None = None) -> None:
        self.answers = list(answers)
        self.headers = headers or {}
        self.calls = 0
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"ok": True}, headers=self.headers)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
