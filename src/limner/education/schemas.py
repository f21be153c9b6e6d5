"""Pydantic shapes of the education API: policy versions, modules and quizzes, status, banners."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="lowercase letters, digits and dashes")


class PolicyCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000, description="Markdown")
    asks_again: bool = Field(default=True, description="False for a correction nobody needs to re-read")


class PolicyRead(BaseModel):
    version: int
    title: str
    body: str
    asks_again: bool
    created_at: datetime


class Choice(BaseModel):
    id: str = Field(min_length=1, max_length=16)
    text: str = Field(min_length=1, max_length=500)


class Question(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=1000)
    choices: list[Choice] = Field(min_length=2, max_length=8)
    answer: str = Field(description="the id of the correct choice")
    explanation: str = Field(default="", max_length=1000, description="shown after a wrong answer")

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Question:
        ids = [c.id for c in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question {self.id}: choice ids must be unique")
        if self.answer not in ids:
            raise ValueError(f"question {self.id}: the answer '{self.answer}' is not one of its choices")
        return self


class ModuleContent(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=500)
    body: str = Field(min_length=1, max_length=100_000, description="Markdown")
    questions: list[Question] = Field(min_length=1, max_length=30)
    pass_mark: int = Field(ge=1, description="correct answers needed to pass")
    is_required: bool = True
    is_active: bool = True
    position: int = 0

    @model_validator(mode="after")
    def _consistent(self) -> ModuleContent:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        if self.pass_mark > len(self.questions):
            raise ValueError(f"pass_mark {self.pass_mark} is more than the {len(ids)} questions")
        return self


class ModuleCreate(ModuleContent):
    id: str = Slug


class ModuleUpdate(ModuleContent):
    retake: bool = Field(default=False, description="True: earlier passes no longer count")


class QuizChoice(BaseModel):
    id: str
    text: str


class QuizQuestion(BaseModel):
    id: str
    text: str
    choices: list[QuizChoice]


class ModuleRead(BaseModel):
    """What a learner sees: the lesson and the questions, never the answers."""

    id: str
    title: str
    summary: str
    body: str
    pass_mark: int
    is_required: bool
    revision: int
    questions: list[QuizQuestion]
    status: Literal["not_started", "failed", "passed", "expired"]


class ModuleAdminRead(ModuleCreate):
    revision: int
    min_revision: int
    updated_at: datetime


class AttemptBody(BaseModel):
    answers: dict[str, str] = Field(description="question id -> chosen choice id")


class AttemptResult(BaseModel):
    module_id: str
    score: int
    pass_mark: int
    total: int
    passed: bool
    wrong: list[str] = Field(description="ids of the questions answered wrongly")
    explanations: dict[str, str]


class AcknowledgeBody(BaseModel):
    version: int = Field(description="the policy version the person read")


class ModuleStatus(BaseModel):
    id: str
    title: str
    is_required: bool
    status: Literal["not_started", "failed", "passed", "expired"]
    passed_at: datetime | None


class TrainingStatus(BaseModel):
    required: bool
    exempt: bool
    complete: bool
    policy_version: int | None
    policy_acknowledged: bool
    acknowledged_version: int | None
    modules: list[ModuleStatus]
    training_url: str


class RecordBody(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    module_id: str | None = None
    all: bool = Field(default=False, description="every required module and the current policy")

    @model_validator(mode="after")
    def _one_target(self) -> RecordBody:
        if (self.module_id is None) == (not self.all):
            raise ValueError("give either module_id or all=true")
        return self


class RecordResult(BaseModel):
    email: str
    modules: list[str]
    policy_version: int | None


class BannerCreate(BaseModel):
    message: str = Field(min_length=1, max_length=1000)
    level: Literal["info", "important"] = "info"
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class BannerRead(BaseModel):
    id: str
    message: str
    level: str
    starts_at: datetime
    ends_at: datetime | None
