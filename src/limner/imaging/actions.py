"""The action scale shared by prompt policy, image moderation and review: least to most severe."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What to do with a prompt or image. Declared from least to most severe."""

    ALLOW = "allow"
    WARN = "warn"
    REDACT = "redact"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return list(Action).index(self)


def most_severe(actions: list[Action]) -> Action:
    return max(actions, key=lambda a: a.severity, default=Action.ALLOW)
