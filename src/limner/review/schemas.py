"""Review API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from limner.imaging.responses import ImageData


class DecisionBody(BaseModel):
    verdict: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=1000)


class ReviewRead(BaseModel):
    id: str
    object: Literal["limner.review"] = "limner.review"
    status: str
    source: str
    categories: list[str]
    required_approvals: int
    created_at: datetime
    due_at: datetime
    escalated: bool
    decided_at: datetime | None
    requester: str | None = None
    generation_status: str | None = None
    data: list[ImageData] | None = None


class ReviewPage(BaseModel):
    object: Literal["list"] = "list"
    data: list[ReviewRead]


class RevealedPrompt(BaseModel):
    prompt: str | None
    revised_prompt: str | None = None


class NotificationRead(BaseModel):
    id: str
    kind: str
    subject_id: str
    message: str
    created_at: datetime
    read: bool


class NotificationPage(BaseModel):
    object: Literal["list"] = "list"
    data: list[NotificationRead]
