"""Publishing templates (policy-checked, versioned, audited) and starting a prompt from one."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import take_turn, utcnow
from limner.errors import InvalidRequestError, NotFoundError
from limner.imaging.actions import Action
from limner.imaging.catalog import FAMILIES, ModelSpec
from limner.policy.schemas import PolicyContext
from limner.policy.service import PromptPolicy
from limner.templates.models import PromptTemplate, TemplateVersion
from limner.templates.schemas import (
    MAX_COMBINATIONS,
    MAX_VALUE,
    PLACEHOLDER,
    SIZE_PRESETS,
    TemplateDraft,
    Variable,
    combination_count,
    combinations,
    fill,
)

_PUBLISH_LOCK = 7_321_006  # advisory lock id: one template publisher at a time
ORIGIN_PARAM = "template_version"  # the Generate form's field naming the version it was started from


@dataclass(frozen=True, slots=True)
class Published:
    template: PromptTemplate
    version: TemplateVersion

    @property
    def variables(self) -> list[Variable]:
        return [Variable.model_validate(v) for v in self.version.variables]


@dataclass(frozen=True, slots=True)
class Start:
    """What the generate form is filled with."""

    prompt: str
    model: str
    size: str


def check_shape(draft: TemplateDraft, models: Sequence[ModelSpec]) -> None:
    """Placeholders and variables match; the preset and the pinned model exist and fit together."""
    used = set(PLACEHOLDER.findall(draft.text))
    declared = {v.name for v in draft.variables}
    if used != declared:
        missing, unused = sorted(used - declared), sorted(declared - used)
        raise InvalidRequestError(
            f"Variables and placeholders differ: undeclared {missing or 'none'}, unused {unused or 'none'}.",
            param="variables",
        )
    if combination_count(draft.variables) > MAX_COMBINATIONS:
        raise InvalidRequestError(f"Keep to {MAX_COMBINATIONS} combinations of choices.", param="variables")
    if draft.size_preset is not None and draft.size_preset not in SIZE_PRESETS:
        raise InvalidRequestError("Choose one of the size presets.", param="size_preset")
    if draft.model is not None:
        spec = _spec(models, draft.model, param="model")
        if draft.size_preset is not None:
            preset_size(spec, draft.size_preset)


async def policy_findings(policy: PromptPolicy, draft: TemplateDraft) -> list[str]:
    """Each dropdown combination's prompt through the policy, as anyone would send it (no role, no
    group relaxes a rule); readable lines for every finding, empty when all pass."""
    lines: list[str] = []
    for values in combinations(draft.variables):
        decision = await policy.evaluate(fill(draft.text, draft.style, values), context=PolicyContext())
        if decision.action is Action.ALLOW:
            continue
        where = _where(draft.variables, values)
        for f in decision.findings:
            lines.append(f"With {where}: {f.finding.category} ({f.action.value}) at “{f.excerpt}”")
    return sorted(set(lines))


def _where(variables: list[Variable], values: Mapping[str, str]) -> str:
    """Which choices, by position: a choice may itself hold what the policy flagged."""
    choices = {v.name: v.choices for v in variables}
    named = [f"{k} choice {choices[k].index(v) + 1}" for k, v in values.items()]
    return ", ".join(named) or "the template text"


async def publish(
    session: AsyncSession,
    draft: TemplateDraft,
    *,
    policy: PromptPolicy,
    models: Sequence[ModelSpec],
    actor_id: str,
    request_id: str | None,
) -> Published:
    """A new template, or the next version of the one with this name. Refused while it fails the policy."""
    check_shape(draft, models)
    findings = await policy_findings(policy, draft)
    if findings:
        raise InvalidRequestError(
            "This template does not pass the prompt policy: " + "; ".join(findings), param="text"
        )
    await take_turn(session, _PUBLISH_LOCK)  # two publishers of one name must not both number a version
    template = await _by_name(session, draft.name) or PromptTemplate(name=draft.name, current_version=0)
    template.current_version += 1
    template.retired_at = None
    session.add(template)
    await session.flush()
    version = TemplateVersion(
        template_id=template.id,
        version=template.current_version,
        description=draft.description,
        text=draft.text,
        style=draft.style,
        variables=[v.model_dump() for v in draft.variables],
        size_preset=draft.size_preset,
        model=draft.model,
        policy_version=policy.version,
        published_by=actor_id,
    )
    session.add(version)
    await session.flush()
    await _audit(session, AuditAction.TEMPLATE_PUBLISHED, template, actor_id, request_id)
    return Published(template, version)


async def retire(session: AsyncSession, template_id: str, *, actor_id: str, request_id: str | None) -> None:
    published = await get_current(session, template_id)
    published.template.retired_at = utcnow()
    await _audit(session, AuditAction.TEMPLATE_RETIRED, published.template, actor_id, request_id)


async def list_current(session: AsyncSession) -> list[Published]:
    """Live templates at their current version, by name."""
    query = (
        select(PromptTemplate, TemplateVersion)
        .join(TemplateVersion, TemplateVersion.template_id == PromptTemplate.id)
        .where(
            PromptTemplate.retired_at.is_(None),
            TemplateVersion.version == PromptTemplate.current_version,
        )
        .order_by(PromptTemplate.name)
    )
    return [Published(row[0], row[1]) for row in await session.execute(query)]


async def get_current(session: AsyncSession, template_id: str) -> Published:
    for published in await list_current(session):
        if published.template.id == template_id:
            return published
    raise NotFoundError("No such template.")


async def versions_by_id(session: AsyncSession, version_ids: Collection[str]) -> dict[str, Published]:
    """Template versions by id with their template, retired or not (what a generation was made from)."""
    if not version_ids:
        return {}
    query = (
        select(PromptTemplate, TemplateVersion)
        .join(TemplateVersion, TemplateVersion.template_id == PromptTemplate.id)
        .where(TemplateVersion.id.in_(set(version_ids)))
    )
    return {row[1].id: Published(row[0], row[1]) for row in await session.execute(query)}


async def version_of(session: AsyncSession, version_id: str | None) -> Published | None:
    """The template version a generation was made from; None when it was not, or the version is gone."""
    if version_id is None:
        return None
    return (await versions_by_id(session, [version_id])).get(version_id)


def origin_json(version_id: str | None, origins: Mapping[str, Published]) -> dict[str, Any] | None:
    """The template version a generation was started from, as an export or manifest lists it: the ids,
    and its name and number while kept (`origins` from versions_by_id); None when not from a template."""
    if version_id is None:
        return None
    origin = origins.get(version_id)
    return {
        "version_id": version_id,
        "template_id": origin.template.id if origin else None,
        "name": origin.template.name if origin else None,
        "version": origin.version.version if origin else None,
    }


async def usable_version(session: AsyncSession, version_id: str, models: Sequence[ModelSpec]) -> Published:
    """The version a Generate form was started from, checked when the form is sent: it exists, its
    template is live and a model it pins is one of `models` (those the person may use). A version
    replaced while the person was editing is still the one they started from, so it is accepted."""
    published = (await versions_by_id(session, [version_id])).get(version_id)
    if published is None:
        raise InvalidRequestError(
            "The template this form was started from is not known here, so the image cannot be recorded "
            "as made from it. Your prompt is kept: generate again without the template, or start from "
            "one on the Templates page.",
            param=ORIGIN_PARAM,
        )
    if published.template.retired_at is not None:
        raise InvalidRequestError(
            f"The template “{published.template.name}” has been retired, so images can no longer be made "
            "from it. Your prompt is kept: generate again without the template, or start from another "
            "one on the Templates page.",
            param=ORIGIN_PARAM,
        )
    pinned = published.version.model
    if pinned is not None and pinned not in {m.id for m in models}:
        raise InvalidRequestError(
            f"The template “{published.template.name}” uses the model {pinned}, which is not available "
            "to you. Your prompt is kept: generate again without the template.",
            param=ORIGIN_PARAM,
        )
    return published


def start(published: Published, values: Mapping[str, str], models: Sequence[ModelSpec], model: str) -> Start:
    """The prompt with the person's choices, and the model and size to preselect."""
    chosen: dict[str, str] = {}
    for v in published.variables:
        value = values.get(v.name, "").strip()
        if v.kind == "choice" and value not in v.choices:
            raise InvalidRequestError(f"Choose a {v.label.lower()}.", param=v.name)
        if v.kind == "text" and not 1 <= len(value) <= MAX_VALUE:
            raise InvalidRequestError(
                f"Enter the {v.label.lower()} (up to {MAX_VALUE} characters).", param=v.name
            )
        chosen[v.name] = value
    spec = _spec(models, published.version.model or model, param="model")
    preset = published.version.size_preset
    size = preset_size(spec, preset) if preset else ""
    return Start(fill(published.version.text, published.version.style, chosen), spec.id, size)


def preset_size(spec: ModelSpec, preset: str) -> str:
    for size in SIZE_PRESETS[preset]:
        if size in FAMILIES[spec.family].sizes:
            return size
    raise InvalidRequestError(f"The model {spec.id} offers no size for “{preset}”.", param="size_preset")


def _spec(models: Sequence[ModelSpec], model_id: str, *, param: str) -> ModelSpec:
    for spec in models:
        if spec.id == model_id:
            return spec
    raise InvalidRequestError(f"The model {model_id or '(none)'} is not available to you.", param=param)


async def _by_name(session: AsyncSession, name: str) -> PromptTemplate | None:
    found = await session.execute(select(PromptTemplate).where(PromptTemplate.name == name))
    return found.scalar_one_or_none()


async def _audit(
    session: AsyncSession,
    action: AuditAction,
    template: PromptTemplate,
    actor_id: str,
    request_id: str | None,
) -> None:
    await record(
        session,
        action=action,
        actor_id=actor_id,
        subject_type="template",
        subject_id=template.id,
        request_id=request_id,
        data={"version": template.current_version},
    )
