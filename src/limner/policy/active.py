"""The policy in force: the active version in the database (shared by every replica), else the default."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.db import reading
from limner.policy.compile import compile_policy
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import Decision, PolicyContext
from limner.policy.service import active_policy, active_policy_id, default_policy_text, default_version


class ActivePolicy:
    """Checks at most every `refresh_s` seconds whether another version was activated (by this
    replica or another) and compiles it; the request path otherwise costs one clock read.
    Nothing is loaded until `prepare()` or the first evaluation, so CLI commands stay fast."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, refresh_s: float) -> None:
        self.sessions = sessions
        self.refresh_s = refresh_s
        self.engine: PolicyEngine | None = None
        self._active_id: int | None = None
        self._checked_at = float("-inf")

    @property
    def version(self) -> str:
        return self.engine.version if self.engine else default_version()

    async def prepare(self) -> None:
        await self.refresh(force=True)

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        engine = await self.refresh()
        return await engine.decide_async(text, context)

    async def aclose(self) -> None:
        if self.engine is not None:
            await self.engine.aclose()

    async def refresh(self, *, force: bool = False) -> PolicyEngine:
        now = time.monotonic()
        if self.engine is not None and not force and now - self._checked_at < self.refresh_s:
            return self.engine
        self._checked_at = now
        async with reading(self.sessions) as session:  # a refresh never queues behind a writer
            active_id = await active_policy_id(session)
            if self.engine is not None and active_id == self._active_id:
                return self.engine
            row = await active_policy(session) if active_id is not None else None
        text, version = (row.document, row.version) if row else (default_policy_text(), default_version())
        # Loading detector data takes a second or two: off the event loop.
        self.engine = await asyncio.to_thread(compile_policy, text, version=version)
        self._active_id = active_id
        return self.engine
