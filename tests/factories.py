"""Typed helpers that create users and keys for tests (full-stack template style, no factory framework)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from limner.components import Components
from limner.education.records import record_completion
from limner.identity.accounts import service as identity
from limner.identity.accounts.models import User
from limner.identity.keys import service as key_service
from limner.imaging.actions import Action
from limner.policy.schemas import Decision, Finding, PolicyContext, RuledFinding


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def make_user(
    c: Components, *, roles: list[str], email: str | None = None, password: str | None = None
) -> User:
    async with c.sessions.begin() as session:
        return await identity.create_user(
            session, email=email or f"user-{uuid.uuid4().hex[:8]}@example.com", roles=roles, password=password
        )


async def make_caller(
    c: Components, *, roles: list[str], key_roles: list[str] | None = None, models: list[str] | None = None
) -> Caller:
    user = await make_user(c, roles=roles)
    async with c.sessions.begin() as session:
        owner = await session.get(User, user.id)
        assert owner is not None
        row, key = await key_service.create_api_key(
            session, owner=owner, secret_key=c.secret_key, roles=key_roles, models=models
        )
    return Caller(user_id=user.id, email=user.email, api_key=key, key_id=row.id)


class FixedPolicy:
    """A PromptPolicy that decides every prompt the same way (flow tests need a known decision)."""

    version = "fixed-1"

    def __init__(self, action: Action, categories: tuple[str, ...] = ("harm.violence",)) -> None:
        self.action = action
        self.categories = categories

    async def prepare(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        ruled = tuple(
            RuledFinding(Finding("fixed", c, 0, min(4, len(text)), 0.99), self.action, "t••t")
            for c in self.categories
        )
        return Decision(
            action=self.action,
            findings=ruled,
            policy_version=self.version,
            explanation=f"Fixed decision: {self.action.value}.",
            categories=self.categories,
            redacted_text="[REDACTED] tail" if self.action is Action.REDACT else None,
        )


async def complete_training(c: Components, email: str) -> None:
    """Acknowledge the current acceptable-use policy and pass every required module, as a learning
    system would record it."""
    async with c.sessions.begin() as session:
        await record_completion(session, email=email, module_id=None, everything=True, actor_id=None)
