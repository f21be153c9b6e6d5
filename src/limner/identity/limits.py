"""Per role and group limits (settings.identity.access): model allow-lists and size, quality and n caps.

The flow calls `check_limits(principal, spec, inp)` after the permission checks. Rules are attached
to the Principal at authentication (`rules_for`), so the check needs no settings. A caller with no
matching rule is not limited here; with several, the request must fit at least one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from limner.errors import PermissionDeniedError
from limner.identity.config import AccessRule
from limner.identity.schemas import Principal
from limner.imaging.catalog import FAMILIES, ModelSpec
from limner.imaging.requests import GenerationInput

GROUP_PREFIX = "group:"


def rules_for(
    roles: Iterable[str], groups: Iterable[str], access: Mapping[str, AccessRule]
) -> tuple[AccessRule, ...]:
    names = [*sorted(roles), *(GROUP_PREFIX + g for g in sorted(groups))]
    return tuple(access[name] for name in names if name in access)


def check_limits(principal: Principal, spec: ModelSpec, inp: GenerationInput) -> None:
    """Raise PermissionDeniedError (403, param names the field) unless one rule allows the request."""
    candidates = list(principal.limits)
    if not candidates:
        return
    size, quality, n = _effective(spec, inp)
    checks: list[tuple[str, Callable[[AccessRule], bool], str]] = [
        ("model", lambda r: r.models is None or spec.id in r.models, f"the model '{spec.id}'"),
        ("n", lambda r: r.max_n is None or n <= r.max_n, f"{n} images in one request"),
        ("size", lambda r: r.sizes is None or size in r.sizes, f"the size '{size}'"),
        ("quality", lambda r: r.qualities is None or quality in r.qualities, f"the quality '{quality}'"),
    ]
    for param, allows, what in checks:
        candidates = [rule for rule in candidates if allows(rule)]
        if not candidates:
            raise PermissionDeniedError(
                f"Your roles and groups do not allow {what}.", param=param, code="limit_exceeded"
            )


def _effective(spec: ModelSpec, inp: GenerationInput) -> tuple[str, str, int]:
    rules = FAMILIES.get(spec.family)
    default_size = rules.default_size if rules else "auto"
    default_quality = "standard" if spec.family.startswith("dall-e") else "auto"
    return inp.size or default_size, inp.quality or default_quality, inp.n or 1
