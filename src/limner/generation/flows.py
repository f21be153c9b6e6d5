"""The one end-to-end pipeline: authorise → policy → backend → revised-prompt policy → image
checks → provenance → encrypted storage → audit. No transaction is held across an upstream call."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from limner import observe
from limner.audit.service import record
from limner.components import Components
from limner.education.flows import require_training
from limner.errors import ContentPolicyViolation, HeldForReview, LimnerError, PermissionDeniedError
from limner.generation import service
from limner.generation.backends.base import BackendResult, ImageBackend
from limner.generation.images_out import ImageChecks, StoredImage, check_and_store, check_images
from limner.generation.response_fields import estimate_usage
from limner.generation.schemas import DeliveredImage, GenerationOutcome
from limner.generation.validation import Resolved, resolve
from limner.http import request_client
from limner.identity.permissions import Permission, Principal
from limner.imaging.actions import Action
from limner.imaging.catalog import ModelSpec, find_model
from limner.imaging.requests import GenerationInput, ImageRequest
from limner.policy.decision import Decision, PolicyContext
from limner.review import service as review
from limner.usage import quotas
from limner.vault.service import data_key_for, prompt_hmac


@dataclass(frozen=True, slots=True)
class Opened:
    generation_id: str
    data_key: bytes
    decision: Decision


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request past authorisation, validation and policy, recorded and ready for the backend."""

    spec: ModelSpec
    opened: Opened
    request: ImageRequest
    resolved: Resolved


async def submit_generation(
    c: Components, principal: Principal, inp: GenerationInput, *, request_id: str
) -> GenerationOutcome:
    p = await prepare_generation(c, principal, inp, request_id=request_id)
    return await run_generation(
        c, principal, p.spec, p.opened, p.request, p.resolved.response_format, request_id
    )


async def prepare_generation(
    c: Components, principal: Principal, inp: GenerationInput, *, request_id: str
) -> Prepared:
    """Everything before the backend; a block or a hold raises here, before any response starts."""
    spec = find_model(c.settings.generation.models, inp.model or default_model(c))
    authorize(principal, spec, inp)
    await require_training(c, principal)  # acceptable-use policy and training, before anything else
    resolved = resolve(spec, inp)
    decision = await check_text(c, principal, inp.prompt, stage=_stage(inp))
    if inp.images:
        inputs = await check_images(
            c, [image.data for image in inp.images], what="input image", raise_on_block=False
        )
        decision = with_image_checks(decision, inputs)
    opened = await _open(c, principal, spec, resolved.request, resolved.response_format, decision, request_id)
    request = replace(
        resolved.request, prompt=_upstream_prompt(decision, inp.prompt), user=principal.pseudonym
    )
    return Prepared(spec, opened, request, resolved)


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
    try:
        result, upstream_ms = await _call_backend(c, spec, backend, request, opened, principal, request_id)
        await _check_revised(c, principal, result, opened, request_id)
        image_started = time.perf_counter()
        checks, stored = await _store(c, principal, spec, opened, result, request_id)
        image_ms = (time.perf_counter() - image_started) * 1000
    except LimnerError:
        await quotas.release(c, reservation)
        raise
    await _close(c, principal, opened, result, stored, upstream_ms, request_id, checks)
    return GenerationOutcome(
        generation_id=opened.generation_id,
        created=int(time.time()),
        response_format=response_format,
        images=[DeliveredImage(s.image_id, s.data, s.format, s.revised_prompt) for s in stored],
        usage=result.usage or estimate_usage(request, [(s.record.width, s.record.height) for s in stored]),
        upstream_ms=upstream_ms,
        image_ms=image_ms,
        model_ms=opened.decision.model_ms,
        warnings=caller_warnings(opened.decision),
        prompt_redacted=opened.decision.action is Action.REDACT,
        params={"size": request.size, "quality": request.quality, "output_format": request.output_format},
    )


def with_image_checks(decision: Decision, checks: ImageChecks) -> Decision:
    """Input-image moderation joins the prompt decision: the more severe action wins."""
    if checks.action.severity <= decision.action.severity:
        return decision
    categories = tuple(sorted({*decision.categories, *checks.categories}))
    explanation = (
        f"An input image did not pass this organisation's image checks ({', '.join(checks.categories)})."
    )
    return replace(decision, action=checks.action, categories=categories, explanation=explanation)


def default_model(c: Components) -> str:
    return c.settings.generation.default_model or c.settings.generation.models[0].id


def authorize(principal: Principal, spec: ModelSpec, inp: GenerationInput) -> None:
    needed = Permission.IMAGES_GENERATE if inp.operation == "generate" else Permission.IMAGES_EDIT
    if not principal.can(needed):
        raise PermissionDeniedError(f"You lack the permission '{needed}'.")
    if not principal.can_use_model(spec.id):
        raise PermissionDeniedError(
            f"You lack the permission 'model:{spec.id}' for this model.", param="model"
        )
    if inp.quality == "hd" and not principal.can(Permission.QUALITY_HD):
        raise PermissionDeniedError("You lack the permission 'quality:hd'.", param="quality")
    from limner.identity.limits import check_limits  # per role/group model, size, quality and n limits

    check_limits(principal, spec, inp)


@observe.stage("policy")
async def check_text(c: Components, principal: Principal, text: str | None, *, stage: str) -> Decision:
    if text is None:
        return Decision.allow(c.policy.version)
    context = PolicyContext(roles=principal.roles, groups=principal.groups, stage=stage)
    decision = await c.policy.evaluate(text, context=context)
    observe.count_findings(
        [(f.finding.category, f.action.value) for f in decision.findings], decision.action.value
    )
    return decision


def request_params(request: ImageRequest, response_format: str) -> dict[str, object]:
    """Everything needed to run the request again after review; no prompt, no image bytes."""
    return {
        "n": request.n,
        "size": request.size,
        "quality": request.quality,
        "style": request.style,
        "background": request.background,
        "output_format": request.output_format,
        "output_compression": request.output_compression,
        "moderation": request.moderation,
        "response_format": response_format,
        "inputs": len(request.images),
    }


def _stage(inp: GenerationInput) -> str:
    return "prompt" if inp.operation == "generate" else "edit_prompt"


def _upstream_prompt(decision: Decision, prompt: str | None) -> str | None:
    if decision.action is Action.REDACT and decision.redacted_text is not None:
        return decision.redacted_text
    return prompt


def caller_warnings(decision: Decision) -> list[str]:
    """Categories the caller is told about: warnings and what was redacted from the prompt."""
    told = (Action.WARN, Action.REDACT)
    return sorted({f.finding.category for f in decision.findings if f.action in told})


def _status_for(decision: Decision) -> str:
    return {Action.BLOCK: "blocked", Action.REVIEW: "held"}.get(decision.action, "pending")


@observe.stage("open")
async def _open(
    c: Components,
    principal: Principal,
    spec: ModelSpec,
    request: ImageRequest,
    response_format: str,
    decision: Decision,
    request_id: str,
) -> Opened:
    """Transaction 1: the request, its sealed prompt, the decision, a review item if held, an audit event."""
    categories = list(decision.categories)
    async with c.sessions.begin() as session:
        key = await data_key_for(session, c.key_provider, owner_id=principal.user_id)
        row = await service.create_generation(
            session,
            owner_id=principal.user_id,
            data_key=key,
            prompt=request.prompt,
            status=_status_for(decision),
            api_key_id=principal.api_key_id,
            request_id=request_id,
            operation=request.operation,
            model=spec.id,
            params=request_params(request, response_format),
            decision=decision.action.value,
            categories=categories,
            policy_version=decision.policy_version,
        )
        await record(
            session,
            action=f"image.{request.operation}.requested",
            actor_id=principal.user_id,
            subject_type="generation",
            subject_id=row.id,
            request_id=request_id,
            outcome=decision.action.value,
            data={
                "model": spec.id,
                "params": row.params,
                "prompt_hmac": row.prompt_hmac,
                "categories": categories,
                "policy_version": decision.policy_version,
                "api_key_id": principal.api_key_id,
                "client": request_client(),
            },
        )
        review_id = await _hold_if_needed(c, session, row.id, principal, request, key, decision, request_id)
    _raise_if_stopped(decision, categories, review_id)
    return Opened(row.id, key, decision)


async def _hold_if_needed(
    c: Components,
    session: AsyncSession,
    generation_id: str,
    principal: Principal,
    request: ImageRequest,
    key: bytes,
    decision: Decision,
    request_id: str,
) -> str | None:
    if decision.action is not Action.REVIEW:
        return None
    await service.keep_inputs(
        session, c.blob_store, key, generation_id=generation_id, owner_id=principal.user_id, request=request
    )
    item = await review.enqueue(
        session,
        generation_id=generation_id,
        requester_id=principal.user_id,
        source="prompt",
        categories=list(decision.categories),
        settings=c.settings.review,
        request_id=request_id,
    )
    return item.id


def _raise_if_stopped(decision: Decision, categories: list[str], review_id: str | None) -> None:
    if decision.action is Action.BLOCK:
        raise ContentPolicyViolation(blocked_message(decision.explanation, categories), categories=categories)
    if review_id is not None:
        raise HeldForReview(
            "This request was held for human review. You will be notified of the decision.",
            review_id=review_id,
        )


def blocked_message(explanation: str, categories: list[str]) -> str:
    reason = explanation or "Your request was rejected by this organisation's content policy."
    return f"{reason} Categories: {', '.join(categories)}."


@observe.stage("backend")
async def _call_backend(
    c: Components,
    spec: ModelSpec,
    backend: ImageBackend,
    request: ImageRequest,
    opened: Opened,
    principal: Principal,
    request_id: str,
) -> tuple[BackendResult, float]:
    started = time.perf_counter()
    try:
        with observe.genai_span(
            c.settings.generation.backends[spec.backend].kind, spec.upstream_id, request.n
        ):
            result = await backend.generate(request)
    except LimnerError as exc:
        await _fail(c, opened, principal, request_id, exc, (time.perf_counter() - started) * 1000)
        raise
    return result, (time.perf_counter() - started) * 1000


async def _store(
    c: Components,
    principal: Principal,
    spec: ModelSpec,
    opened: Opened,
    result: BackendResult,
    request_id: str,
) -> tuple[ImageChecks, list[StoredImage]]:
    """Image checks, then provenance, encryption and blobs; a failure is recorded on the generation."""
    try:
        checks, stored = await check_and_store(
            c, principal, spec, opened.generation_id, opened.data_key, opened.decision, result
        )
    except LimnerError as exc:
        await _fail(c, opened, principal, request_id, exc, 0.0)
        raise
    return checks, stored


async def _fail(
    c: Components, opened: Opened, principal: Principal, request_id: str, exc: LimnerError, upstream_ms: float
) -> None:
    status = "blocked" if isinstance(exc, ContentPolicyViolation) else "failed"
    async with c.sessions.begin() as session:
        row = await service.get_generation(session, opened.generation_id)
        service.finish(row, status=status, upstream_ms=upstream_ms, error_code=exc.code)
        await record(
            session,
            action="image.failed",
            actor_id=principal.user_id,
            subject_type="generation",
            subject_id=row.id,
            request_id=request_id,
            outcome=status,
            data={"code": exc.code, "status": exc.status, "upstream_ms": round(upstream_ms, 1)},
        )


async def _check_revised(
    c: Components, principal: Principal, result: BackendResult, opened: Opened, request_id: str
) -> None:
    """DALL-E 3 rewrites prompts: the rewrite meets the same policy before anyone sees an image."""
    for revised in {img.revised_prompt for img in result.images if img.revised_prompt}:
        decision = await check_text(c, principal, revised, stage="revised_prompt")
        if decision.action in (Action.BLOCK, Action.REVIEW):
            categories = list(decision.categories)
            exc = ContentPolicyViolation(
                blocked_message(decision.explanation, categories),
                categories=categories,
                code="revised_prompt_blocked",
            )
            await _fail(c, opened, principal, request_id, exc, 0.0)
            raise exc


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
) -> None:
    """Transaction 2: image records, the sealed revised prompt, completion (or an image review) and audit."""
    held = checks.action is Action.REVIEW
    async with c.sessions.begin() as session:
        row = await service.get_generation(session, opened.generation_id)
        revised = next((img.revised_prompt for img in result.images if img.revised_prompt), None)
        if revised:
            service.seal_revised_prompt(row, opened.data_key, revised)
        session.add_all([s.record for s in stored])
        service.finish(row, status="held" if held else "completed", upstream_ms=upstream_ms)
        await record(
            session,
            action="image.held" if held else "image.generated",
            actor_id=principal.user_id,
            subject_type="generation",
            subject_id=row.id,
            request_id=request_id,
            data={
                "images": [{"id": s.image_id, "sha256": s.record.sha256} for s in stored],
                "upstream_ms": round(upstream_ms, 1),
                "categories": list(checks.categories),
                "revised_prompt_hmac": prompt_hmac(opened.data_key, revised) if revised else None,
            },
        )
        item = (
            await review.enqueue(
                session,
                generation_id=row.id,
                requester_id=principal.user_id,
                source="image",
                categories=list(checks.categories),
                settings=c.settings.review,
                request_id=request_id,
            )
            if held
            else None
        )
    if item is not None:
        raise HeldForReview(
            "The generated image was held for human review. You will be notified of the decision.",
            review_id=item.id,
        )
