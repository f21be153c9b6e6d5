"""A template draft as the publishing form sends it, its variables, and the size presets named by use."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import BaseModel, Field

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,30})\}")
MAX_VARIABLES = 8
MAX_COMBINATIONS = 200  # every combination of dropdown choices is checked by the policy when published
MAX_VALUE = 200  # characters a person may type into a free-text variable

# Sizes named by use; each lists the sizes that fit, best first: the first one the model offers is used.
SIZE_PRESETS: Mapping[str, tuple[str, ...]] = {
    "Slide 16:9": ("1792x1024", "1536x1024"),
    "Social square": ("1024x1024", "512x512", "256x256"),
    "Story 9:16": ("1024x1792", "1024x1536"),
    "Thumbnail": ("256x256", "512x512"),
}


class Variable(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    kind: Literal["choice", "text"]
    choices: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


class TemplateDraft(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=300)
    text: str = Field(min_length=1, max_length=2000)
    style: str = Field(default="", max_length=300)
    variables: list[Variable] = Field(default_factory=list, max_length=MAX_VARIABLES)
    size_preset: str | None = None
    model: str | None = None


def fill(text: str, style: str, values: Mapping[str, str]) -> str:
    """The prompt: each {name} replaced by its value (never format()-ed), then the style appended."""
    body = PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)
    return f"{body.strip()}, {style.strip()}" if style.strip() else body.strip()


def combinations(variables: list[Variable]) -> Iterator[dict[str, str]]:
    """Every choice of every dropdown, free-text variables left empty."""
    choices = [v for v in variables if v.kind == "choice"]
    for picked in itertools.product(*(v.choices for v in choices)):
        yield {v.name: value for v, value in zip(choices, picked, strict=True)}


def combination_count(variables: list[Variable]) -> int:
    count = 1
    for v in variables:
        count *= len(v.choices) if v.kind == "choice" else 1
    return count


def parse_variables(lines: str) -> list[Variable]:
    """One variable a line: `name: text` or `name: choice: first | second | third`.

    Raises ValueError with a message for people."""
    found: list[Variable] = []
    for number, line in enumerate(lines.splitlines(), start=1):
        if line.strip():
            found.append(_parse_line(line, number))
    return found


def _parse_line(line: str, number: int) -> Variable:
    parts = [p.strip() for p in line.split(":", 2)]
    name, kind = [*parts, "", ""][:2]
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name) or kind not in ("text", "choice"):
        raise ValueError(f"Line {number}: write `name: text` or `name: choice: a | b` (lower-case names)")
    if kind == "text":
        return Variable(name=name, kind="text")
    choices = [c.strip() for c in (parts[2] if len(parts) > 2 else "").split("|") if c.strip()]
    if not 2 <= len(choices) <= 20 or any(len(c) > 100 for c in choices):
        raise ValueError(f"Line {number}: a choice needs 2 to 20 options of up to 100 characters")
    return Variable(name=name, kind="choice", choices=choices)


def format_variables(variables: list[Variable]) -> str:
    """The inverse of parse_variables, to fill the form for a new version."""
    return "\n".join(
        f"{v.name}: choice: {' | '.join(v.choices)}" if v.kind == "choice" else f"{v.name}: text"
        for v in variables
    )
