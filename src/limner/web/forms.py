"""Form helpers: field errors in the GOV.UK error-summary shape, and reading text fields."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the input's id, so the error summary can link to it
    message: str


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def raw_text(form: FormData, name: str) -> str:
    """A text field exactly as typed (prompts keep their spacing)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""
