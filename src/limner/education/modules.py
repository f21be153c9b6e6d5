"""Training modules: create and edit (admins), list, grade a quiz attempt, record results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.education.models import TrainingModule, TrainingResult
from limner.education.schemas import AttemptResult, ModuleContent, ModuleCreate, ModuleUpdate, Question
from limner.errors import ConflictError, InvalidRequestError, NotFoundError


async def list_modules(session: AsyncSession, *, include_inactive: bool = False) -> Sequence[TrainingModule]:
    query = select(TrainingModule).order_by(TrainingModule.position, TrainingModule.id)
    if not include_inactive:
        query = query.where(TrainingModule.is_active.is_(True))
    return (await session.execute(query)).scalars().all()


async def get_module(
    session: AsyncSession, module_id: str, *, include_inactive: bool = False
) -> TrainingModule:
    row = await session.get(TrainingModule, module_id)
    if row is None or not (row.is_active or include_inactive):
        raise NotFoundError(f"No training module '{module_id}'.", param="module_id")
    return row


async def create_module(
    session: AsyncSession, *, content: ModuleCreate, actor_id: str | None
) -> TrainingModule:
    if await session.get(TrainingModule, content.id) is not None:
        raise ConflictError(f"A training module '{content.id}' already exists.", param="id")
    row = TrainingModule(id=content.id, revision=1, min_revision=1)
    _apply(row, content, actor_id)
    session.add(row)
    await session.flush()
    await _audit_saved(session, row, actor_id)
    return row


async def update_module(
    session: AsyncSession, *, module_id: str, content: ModuleUpdate, actor_id: str | None
) -> TrainingModule:
    row = await get_module(session, module_id, include_inactive=True)
    _apply(row, content, actor_id)
    row.revision += 1
    if content.retake:
        row.min_revision = row.revision
    await _audit_saved(session, row, actor_id)
    return row


def _apply(row: TrainingModule, content: ModuleContent, actor_id: str | None) -> None:
    row.title, row.summary, row.body = content.title.strip(), content.summary.strip(), content.body
    row.questions = [q.model_dump() for q in content.questions]
    row.pass_mark, row.is_required, row.is_active = content.pass_mark, content.is_required, content.is_active
    row.position, row.updated_by, row.updated_at = content.position, actor_id, utcnow()


async def _audit_saved(session: AsyncSession, row: TrainingModule, actor_id: str | None) -> None:
    await record(
        session,
        action=AuditAction.TRAINING_MODULE_SAVED,
        actor_id=actor_id,
        subject_type="training_module",
        subject_id=row.id,
        data={"revision": row.revision, "min_revision": row.min_revision, "required": row.is_required},
    )


def questions_of(row: TrainingModule) -> list[Question]:
    return [Question.model_validate(q) for q in row.questions]


def grade(row: TrainingModule, answers: dict[str, str]) -> AttemptResult:
    questions = questions_of(row)
    unanswered = [q.id for q in questions if q.id not in answers]
    if unanswered:
        raise InvalidRequestError(
            f"Answer every question (missing: {', '.join(unanswered)}).", param="answers"
        )
    wrong = [q for q in questions if answers[q.id] != q.answer]
    score = len(questions) - len(wrong)
    return AttemptResult(
        module_id=row.id,
        score=score,
        pass_mark=row.pass_mark,
        total=len(questions),
        passed=score >= row.pass_mark,
        wrong=[q.id for q in wrong],
        explanations={q.id: q.explanation for q in wrong if q.explanation},
    )


async def submit_attempt(
    session: AsyncSession, *, user_id: str, module_id: str, answers: dict[str, str]
) -> AttemptResult:
    row = await get_module(session, module_id)
    result = grade(row, answers)
    session.add(
        TrainingResult(
            user_id=user_id,
            module_id=row.id,
            module_revision=row.revision,
            score=result.score,
            is_passed=result.passed,
        )
    )
    await record(
        session,
        action=AuditAction.TRAINING_ATTEMPTED,
        actor_id=user_id,
        subject_type="training_module",
        subject_id=row.id,
        outcome="passed" if result.passed else "failed",
        data={"revision": row.revision, "score": result.score, "pass_mark": row.pass_mark},
    )
    return result


async def record_pass(
    session: AsyncSession, *, user_id: str, module: TrainingModule, actor_id: str | None
) -> TrainingResult:
    """A completion from a company's learning system: counts as a pass of the current revision."""
    row = TrainingResult(
        user_id=user_id,
        module_id=module.id,
        module_revision=module.revision,
        score=len(module.questions),
        is_passed=True,
        source="recorded",
        recorded_by=actor_id,
    )
    session.add(row)
    await record(
        session,
        action=AuditAction.TRAINING_RECORDED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user_id,
        data={"module_id": module.id, "revision": module.revision},
    )
    return row


@dataclass(frozen=True, slots=True)
class ModuleRecord:
    """A person's standing on one module: their newest pass, and whether they ever tried."""

    newest_pass: TrainingResult | None
    attempted: bool


async def records_of(session: AsyncSession, user_ids: Sequence[str]) -> dict[tuple[str, str], ModuleRecord]:
    """Keyed by (user id, module id)."""
    query = select(TrainingResult).where(TrainingResult.user_id.in_(user_ids))
    found: dict[tuple[str, str], ModuleRecord] = {}
    for row in (await session.execute(query.order_by(TrainingResult.completed_at))).scalars():
        key = (row.user_id, row.module_id)
        before = found.get(key, ModuleRecord(None, False))
        found[key] = ModuleRecord(row if row.is_passed else before.newest_pass, True)
    return found


def module_status(module: TrainingModule, rec: ModuleRecord | None, since: datetime | None) -> str:
    """not_started | failed | passed | expired (an older revision, or before the renewal window)."""
    if rec is None or not rec.attempted:
        return "not_started"
    passed = rec.newest_pass
    if passed is None:
        return "failed"
    if passed.module_revision < module.min_revision or (since is not None and passed.completed_at < since):
        return "expired"
    return "passed"
