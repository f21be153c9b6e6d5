"""The policy in force: the active version in the database (shared by every replica), else the default."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.policy.compile import compile_policy
from limner.policy.decision import Decision, PolicyContext
from limner.policy.engine import PolicyEngine
from limner.policy.service import active_policy, active_policy_id, default_policy_text, default_version


class ActivePolicy:
    """Checks at most every `refresh_s` seconds whether another version was activated (by this
    replica or another) and compiles it; the request path otherwise costs one clock read."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, refresh_s: float) -> None:
        self.sessions = sessions
        self.refresh_s = refresh_s
        self.engine: PolicyEngine = compile_policy(default_policy_text(), version=default_version())
        self._active_id: int | None = None
        self._checked_at = float("-inf")

    @property
    def version(self) -> str:
        return self.engine.version

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        await self.refresh()
        return self.engine.decide(text, context)

    async def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.refresh_s:
            return
        self._checked_at = now
        async with self.sessions() as session:
            active_id = await active_policy_id(session)
            if active_id == self._active_id:
                return
            row = await active_policy(session) if active_id is not None else None
        self.engine = (
            compile_policy(row.document, version=row.version)
            if row
            else compile_policy(default_policy_text(), version=default_version())
        )
        self._active_id = active_id
