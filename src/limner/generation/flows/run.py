"""After the request is opened: backend → revised-prompt policy → image checks → provenance →
encrypted storage → completion. One write transaction per generation in the common case: the request,
its images, its audit events and its completion are committed together at the end (`_close`), or the
request and its failure (`_fail`); nothing is written before the upstream call but the quota
reservation. No transaction is held across an upstream call, and any failure on the way gives the
quota reservation back. A crash before the commit leaves no row (an orphan blob at most, which the
vault janitor collects)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from limner import observe
from limner.audit.schemas import AuditAction
from limner.audit.service import NewEvent, ReadyEvent, ready, record_many
from limner.components import Components
from limner.errors import ContentPolicyViolation, HeldForReview, LimnerError
from limner.generation import service
from limner.generation.backends.base import BackendResult, ImageBackend
from limner.generation.flows.images import ImageChecks, StoredImage, check_and_store
from limner.generation.flows.prepare import (
    Lineage,
    Opened,
    blocked_message,
    caller_warnings,
    check_text,
    prepare_generation,
)
from limner.generation.response_fields import estimate_usage
from limner.generation.rows import Inserts, insert_rows, inserts_for
from limner.generation.schemas import DeliveredImage, GenerationOutcome
from limner.identity.schemas import Principal
from limner.imaging.actions import Action
from limner.imaging.catalog import ModelSpec
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.imaging.requests import GenerationInput, ImageRequest
from limner.review import service as review
from limner.usage import quotas
from limner.vault.service import prompt_hmac


@dataclass(slots=True)
class _Clock:
    """Time spent upstream, known once the backend answered (or failed)."""

    upstream_ms: float = 0.0
    image_ms: float = 0.0


async def submit_generation(
    c: Components,
    principal: Principal,
    inp: GenerationInput,
    *,
    request_id: str,
    lineage: Lineage | None = None,
) -> GenerationOutcome:
    p = await prepare_generation(c, principal, inp, request_id=request_id, lineage=lineage)
    return await run_generation(
        c, principal, p.spec, p.opened, p.request, p.resolved.response_format, request_id
    )


async def run_generation(
    c: Components,
    principal: Principal,
    spec: ModelSpec,
    opened: Opened,
    request: ImageRequest,
    response_format: str,
    request_id: str,
    backend: ImageBackend | None = None,
    reservation: quotas.Reservation | None = None,
) -> GenerationOutcome:
    """Backend, checks, storage and completion for an opened (allowed or approved) generation."""
    reservation = reservation or await quotas.reserve(c, principal, spec, request)
    backend = backend or c.backends[spec.backend]
    clock = _Clock()
    try:
        result = await _call_backend(c, spec, backend, request, clock)
        await _check_revised(c, principal, result)
        image_started = time.perf_counter()
        checks, stored = await check_and_store(
            c, principal, spec, opened.generation_id, opened.data_key, opened.decision, result, opened.source
        )
        clock.image_ms = (time.perf_counter() - image_started) * 1000
        review_id = await _close(c, principal, opened, result, stored, clock.upstream_ms, request_id, checks)
    except Exception as exc:  # whatever went wrong: the generation says so and the quota is given back
        await quotas.release(c, reservation)
        await _fail(c, opened, principal, request_id, exc, clock.upstream_ms)
        raise
    if review_id is not None:
        raise HeldForReview(
            "The generated image was held for human review. You will be notified of the decision.",
            review_id=review_id,
        )
    return GenerationOutcome(
        generation_id=opened.generation_id,
        created=int(time.time()),
        response_format=response_format,
        images=[DeliveredImage(s.image_id, s.data, s.format, s.revised_prompt) for s in stored],
        usage=result.usage or estimate_usage(request, [(s.record.width, s.record.height) for s in stored]),
        upstream_ms=clock.upstream_ms,
        image_ms=clock.image_ms,
        model_ms=opened.decision.model_ms,
        warnings=caller_warnings(opened.decision),
        prompt_redacted=opened.decision.action is Action.REDACT,
        params={"size": request.size, "quality": request.quality, "output_format": request.output_format},
    )


@observe.stage("backend")
async def _call_backend(
    c: Components, spec: ModelSpec, backend: ImageBackend, request: ImageRequest, clock: _Clock
) -> BackendResult:
    started = time.perf_counter()
    try:
        with observe.genai_span(
            c.settings.generation.backends[spec.backend].kind, spec.upstream_id, request.n
        ):
            return await backend.generate(request)
    finally:
        clock.upstream_ms = (time.perf_counter() - started) * 1000


async def _fail(
    c: Components, opened: Opened, principal: Principal, request_id: str, exc: Exception, upstream_ms: float
) -> None:
    """The failure, with the request itself if it was not written yet, in one transaction."""
    blocked = isinstance(exc, ContentPolicyViolation)
    status = GenerationStatus.BLOCKED if blocked else GenerationStatus.FAILED
    code, http_status = (exc.code, exc.status) if isinstance(exc, LimnerError) else ("server_error", 500)

    def settle(row: Generation) -> None:
        service.finish(row, status=status, upstream_ms=upstream_ms, error_code=code)

    failed = NewEvent(
        action=AuditAction.IMAGE_FAILED,
        actor_id=principal.user_id,
        subject_type="generation",
        subject_id=opened.generation_id,
        request_id=request_id,
        outcome=status,
        data={"code": code, "status": http_status, "upstream_ms": round(upstream_ms, 1)},
    )
    outcome = _Outcome.made(opened, settle, [], failed)
    async with c.sessions.begin() as session:
        await outcome.write(session, opened)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A closing transaction's rows, all made before it begins, so that the writer's turn holds only
    the statements: the new request's generation row with its outcome set (None for a request resumed
    after review, whose row exists and is settled inside), its images, and the audit events in order
    (a new request's "requested" event first)."""

    settle: Callable[[Generation], None]
    generation: Inserts | None
    images: Inserts | None
    events: list[ReadyEvent]

    @classmethod
    def made(
        cls, opened: Opened, settle: Callable[[Generation], None], images: list[ImageRecord], last: NewEvent
    ) -> _Outcome:
        if opened.unwritten is None:
            return cls(settle, None, inserts_for(images), ready([last]))
        row = Generation(**opened.unwritten.values)  # not in a session: inserted with Core
        settle(row)
        events = ready([opened.unwritten.requested, last])
        return cls(settle, inserts_for([row]), inserts_for(images), events)

    async def write(self, session: AsyncSession, opened: Opened) -> None:
        if self.generation is None:
            self.settle(await service.get_generation(session, opened.generation_id))
        await insert_rows(session, self.generation)
        await insert_rows(session, self.images)  # after the row they point at
        await record_many(session, self.events)


async def _check_revised(c: Components, principal: Principal, result: BackendResult) -> None:
    """DALL-E 3 rewrites prompts: the rewrite meets the same policy before anyone sees an image."""
    for revised in {img.revised_prompt for img in result.images if img.revised_prompt}:
        decision = await check_text(c, principal, revised, stage="revised_prompt")
        if decision.action in (Action.BLOCK, Action.REVIEW):
            categories = list(decision.categories)
            raise ContentPolicyViolation(
                blocked_message(decision.explanation, categories),
                categories=categories,
                code="revised_prompt_blocked",
            )


@observe.stage("close")
async def _close(
    c: Components,
    principal: Principal,
    opened: Opened,
    result: BackendResult,
    stored: list[StoredImage],
    upstream_ms: float,
    request_id: str,
    checks: ImageChecks,
) -> str | None:
    """The flow's write transaction: the generation row and its "requested" event (unless resumed
    after review), image records, the sealed revised prompt, completion (or an image review) and
    audit, all made before the transaction begins (`_Outcome`); on SQLite the transaction is two
    hand-offs to its thread (the chain head read, then the rows and COMMIT). Returns the review item's
    id when the images were held."""
    held = checks.action is Action.REVIEW
    status = GenerationStatus.HELD if held else GenerationStatus.COMPLETED
    revised = next((img.revised_prompt for img in result.images if img.revised_prompt), None)

    def settle(row: Generation) -> None:
        if revised:
            service.seal_revised_prompt(row, opened.data_key, revised)
        service.finish(row, status=status, upstream_ms=upstream_ms)

    event = NewEvent(
        action=AuditAction.IMAGE_HELD if held else AuditAction.IMAGE_GENERATED,
        actor_id=principal.user_id,
        subject_type="generation",
        subject_id=opened.generation_id,
        request_id=request_id,
        data={
            "images": [{"id": s.image_id, "sha256": s.record.sha256} for s in stored],
            "upstream_ms": round(upstream_ms, 1),
            "categories": list(checks.categories),
            "revised_prompt_hmac": prompt_hmac(opened.data_key, revised) if revised else None,
        },
    )
    outcome = _Outcome.made(opened, settle, [s.record for s in stored], event)
    async with c.sessions.begin() as session:
        await outcome.write(session, opened)
        if not held:
            return None
        item = await review.enqueue(
            session,
            generation_id=opened.generation_id,
            requester_id=principal.user_id,
            source="image",
            categories=list(checks.categories),
            settings=c.settings.review,
            request_id=request_id,
        )
        return item.id
