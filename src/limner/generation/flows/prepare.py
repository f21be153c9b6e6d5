"""Before the backend: authorise, validate, check the prompt (and input images) against policy, then
open the request: a block or a review hold is recorded and raises here, before any response starts;
an allowed request is written later, with its result (run.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from limner import observe
from limner.audit.schemas import AuditAction
from limner.audit.service import NewEvent, record_many
from limner.components import Components
from limner.db import reading
from limner.education.flows import check_training
from limner.errors import ContentPolicyViolation, HeldForReview, LimnerError, PermissionDeniedError
from limner.generation import service
from limner.generation.flows.images import ImageChecks, check_images
from limner.generation.validation import Resolved, resolve
from limner.http import request_client
from limner.identity.schemas import Permission, Principal
from limner.imaging.actions import Action
from limner.imaging.catalog import ModelSpec, find_model
from limner.imaging.records import Generation, GenerationStatus
from limner.imaging.requests import REQUEST_PARAMS, GenerationInput, ImageRequest
from limner.policy.schemas import Decision, PolicyContext
from limner.provenance.base import SourceImage
from limner.review import service as review
from limner.vault.service import data_key_for, existing_data_key


@dataclass(frozen=True, slots=True)
class TemplateOrigin:
    template_id: str
    version_id: str


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where a workspace request comes from: the image an edit changes (its signed file becomes a
    C2PA ingredient of the result), the set a re-generation joins, the prompt template version the
    form was started from (checked by the caller; ids only, never the template's text)."""

    source: SourceImage | None = None
    again_of: str | None = None
    template: TemplateOrigin | None = None

    @property
    def parent_image_id(self) -> str | None:
        return self.source.image_id if self.source else None


@dataclass(frozen=True, slots=True)
class Unwritten:
    """An allowed request not yet in the database: its generation row's values and its "requested"
    event, written together with the outcome (one write transaction per generation). A crash before
    that commit leaves nothing behind but, at most, an orphan blob for the vault janitor."""

    values: dict[str, Any]
    requested: NewEvent

    def add(self, session: AsyncSession) -> Generation:
        """Add the row to the caller's transaction (a fresh object each time: a failed transaction
        may be followed by another). It is inserted at the next flush, after the caller set its
        outcome (one INSERT, no UPDATE) and before the rows that point at it (the flush orders
        tables by their foreign keys). The caller records `requested` with its own events."""
        row = Generation(**self.values)
        session.add(row)
        return row


@dataclass(frozen=True, slots=True)
class Opened:
    generation_id: str
    data_key: bytes
    decision: Decision
    source: SourceImage | None = None
    unwritten: Unwritten | None = None  # None: the row exists already (a request resumed after review)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request past authorisation, validation and policy, recorded and ready for the backend."""

    spec: ModelSpec
    opened: Opened
    request: ImageRequest
    resolved: Resolved


async def prepare_generation(
    c: Components,
    principal: Principal,
    inp: GenerationInput,
    *,
    request_id: str,
    lineage: Lineage | None = None,
) -> Prepared:
    """Everything before the backend; a block or a hold raises here, before any response starts."""
    spec = find_model(c.settings.generation.models, inp.model or default_model(c))
    authorize(principal, spec, inp)
    key = await trained_owner_key(c, principal)  # the training gate comes before anything else
    resolved = resolve(spec, inp)
    decision = await check_text(c, principal, inp.prompt, stage=_stage(inp))
    if inp.images:
        inputs = await check_images(
            c, [image.data for image in inp.images], what="input image", raise_on_block=False
        )
        decision = with_image_checks(decision, inputs)
    opened = await _open(
        c,
        principal,
        key,
        spec,
        resolved.request,
        resolved.response_format,
        decision,
        request_id,
        lineage or Lineage(),
    )
    request = replace(
        resolved.request, prompt=_upstream_prompt(decision, inp.prompt), user=principal.pseudonym
    )
    return Prepared(spec, opened, request, resolved)


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
    params: dict[str, object] = {name: getattr(request, name) for name in REQUEST_PARAMS}
    return params | {"response_format": response_format, "inputs": len(request.images)}


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


def _status_for(decision: Decision) -> GenerationStatus:
    stopped = {Action.BLOCK: GenerationStatus.BLOCKED, Action.REVIEW: GenerationStatus.HELD}
    return stopped.get(decision.action, GenerationStatus.PENDING)


@observe.stage("open")
async def _open(
    c: Components,
    principal: Principal,
    key: bytes,
    spec: ModelSpec,
    request: ImageRequest,
    response_format: str,
    decision: Decision,
    request_id: str,
    lineage: Lineage,
) -> Opened:
    """The request, its sealed prompt, the decision and its "requested" audit event. An allowed request
    writes nothing yet: the row and its event are written with the result, in the flow's one write
    transaction (run.py). A block or a review hold is written here, in one transaction, and raises."""
    values = service.generation_values(
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
        categories=list(decision.categories),
        policy_version=decision.policy_version,
        parent_image_id=lineage.parent_image_id,
        again_of=lineage.again_of,
        template_version_id=lineage.template.version_id if lineage.template else None,
    )
    unwritten = Unwritten(values, _requested(principal, spec, request, decision, request_id, lineage, values))
    if decision.action not in (Action.BLOCK, Action.REVIEW):
        return Opened(values["id"], key, decision, lineage.source, unwritten)
    async with c.sessions.begin() as session:
        row = unwritten.add(session)
        await record_many(session, [unwritten.requested])
        review_id = await _hold_if_needed(c, session, row.id, principal, request, key, decision, request_id)
    raise _refusal(decision, list(decision.categories), review_id)


def _requested(
    principal: Principal,
    spec: ModelSpec,
    request: ImageRequest,
    decision: Decision,
    request_id: str,
    lineage: Lineage,
    values: dict[str, Any],
) -> NewEvent:
    return NewEvent(
        action=AuditAction(f"image.{request.operation}.requested"),
        actor_id=principal.user_id,
        subject_type="generation",
        subject_id=values["id"],
        request_id=request_id,
        outcome=decision.action.value,
        data={
            "model": spec.id,
            "params": values["params"],
            "prompt_hmac": values["prompt_hmac"],
            "categories": list(decision.categories),
            "policy_version": decision.policy_version,
            "api_key_id": principal.api_key_id,
            "client": request_client(),
            **({"parent_image_id": lineage.parent_image_id} if lineage.parent_image_id else {}),
            **_template_ids(lineage),
        },
    )


def _template_ids(lineage: Lineage) -> dict[str, str]:
    if lineage.template is None:
        return {}
    return {"template_id": lineage.template.template_id, "template_version_id": lineage.template.version_id}


async def trained_owner_key(c: Components, principal: Principal) -> bytes:
    """One read transaction (no write lock on SQLite) for the training gate and the owner's data key,
    unwrapped before any write transaction: with a Vault transit key provider it is a network call.
    Only an owner's first request creates (and wraps) the key, in its own short transaction."""
    async with reading(c.sessions) as session:
        await check_training(session, c, principal)  # acceptable-use policy and training
        key = await existing_data_key(session, c.key_provider, owner_id=principal.user_id)
    if key is not None:
        return key
    async with c.sessions.begin() as session:  # first use, or a destroyed key: data_key_for says which
        return await data_key_for(session, c.key_provider, owner_id=principal.user_id)


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


def _refusal(decision: Decision, categories: list[str], review_id: str | None) -> LimnerError:
    if decision.action is Action.BLOCK or review_id is None:
        return ContentPolicyViolation(
            blocked_message(decision.explanation, categories), categories=categories
        )
    return HeldForReview(
        "This request was held for human review. You will be notified of the decision.",
        review_id=review_id,
    )


def blocked_message(explanation: str, categories: list[str]) -> str:
    reason = explanation or "Your request was rejected by this organisation's content policy."
    return f"{reason} Categories: {', '.join(categories)}."
