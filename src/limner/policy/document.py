"""The policy document: YAML, validated at load with line-numbered errors. A broken policy never loads."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from limner.errors import ConfigError
from limner.imaging.actions import Action

_CATEGORY = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$")
# Sexual content involving minors is blocked whatever a policy says; no override can lower it.
ALWAYS_BLOCK = frozenset({"harm.sexual_minors"})


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    threshold: float = Field(default=0.5, ge=0.0, le=1.0, description="Ignore findings scoring below this")


class Override(BaseModel):
    """Rules that apply instead of the defaults to callers with any of these roles or groups."""

    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    rules: dict[str, Rule]

    @model_validator(mode="after")
    def _has_audience(self) -> Override:
        if not self.roles and not self.groups:
            raise ValueError("an override needs roles or groups")
        return self


class PolicyDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="policy", max_length=120)
    detectors: list[dict[str, Any]] = Field(description="Detector configs, each with a `kind`")
    rules: dict[str, Rule] = Field(description="Category pattern (pii.email, pii.*, *) -> rule")
    overrides: list[Override] = Field(default_factory=list)
    allow_list: list[str] = Field(default_factory=list, description="Text never flagged (case-insensitive)")

    @field_validator("rules")
    @classmethod
    def _patterns(cls, rules: dict[str, Rule]) -> dict[str, Rule]:
        for pattern in rules:
            if not _CATEGORY.match(pattern):
                raise ValueError(f"'{pattern}' is not a category pattern like pii.email, pii.* or *")
        for category in ALWAYS_BLOCK:
            rule = match_rule(rules, category)
            if rule is not None and rule.action is not Action.BLOCK:
                raise ValueError(f"{category} is always blocked; the policy may not weaken it")
        return rules


def match_rule(rules: dict[str, Rule], category: str) -> Rule | None:
    """The most specific rule: exact category, then the longest `prefix.*`, then `*`."""
    if category in rules:
        return rules[category]
    parts = category.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        wildcard = ".".join(parts[:cut]) + ".*"
        if wildcard in rules:
            return rules[wildcard]
    return rules.get("*")


def parse_policy(text: str) -> PolicyDocument:
    """Parse and validate; raise ConfigError naming the line and field of the first problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(f"policy is not valid YAML: {line}{getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise ConfigError("policy must be a YAML mapping with `detectors` and `rules`")
    try:
        return PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, root)) from exc


def policy_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _describe(exc: ValidationError, root: yaml.Node | None) -> str:
    error = exc.errors()[0]
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    field = ".".join(str(part) for part in loc) or "(document)"
    line = _line_of(root, loc)
    where = f"line {line}: " if line else ""
    return f"invalid policy: {where}{field}: {error['msg']}"


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """Walk the composed YAML tree along the error location to the closest node with a mark."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, key: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                return value_node  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]  # type: ignore[no-any-return]
    return None
