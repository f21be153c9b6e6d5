"""SCIM query parameters: `attr eq "value"` filters, startIndex/count paging, attributes projection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from limner.identity.scim.errors import invalid
from limner.identity.scim.schema import MAX_RESULTS

_FILTER = re.compile(r'^\s*([A-Za-z][\w.$:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)
ALWAYS = {"id", "schemas"}


@dataclass(frozen=True, slots=True)
class EqFilter:
    attribute: str  # lower-cased, core-schema URN removed
    value: str


def parse_filter(text: str | None) -> EqFilter | None:
    """Identity providers look users and groups up with `attr eq "value"`; that is what Limner supports."""
    if text is None or not text.strip():
        return None
    match = _FILTER.match(text)
    if match is None:
        raise invalid(f'Unsupported filter; use attribute eq "value": {text[:100]}', "invalidFilter")
    return EqFilter(strip_urn(match.group(1)).lower(), match.group(2).replace('\\"', '"'))


def strip_urn(path: str) -> str:
    if path.lower().startswith("urn:"):
        return path.rsplit(":", 1)[-1]
    return path


def paging(start_index: int | None, count: int | None) -> tuple[int, int]:
    """(offset, limit): startIndex is 1-based and values below 1 mean 1; count is capped."""
    start = max(1, start_index or 1)
    limit = MAX_RESULTS if count is None else max(0, min(count, MAX_RESULTS))
    return start - 1, limit


def project(doc: dict[str, Any], attributes: str | None, excluded: str | None) -> dict[str, Any]:
    if attributes:
        wanted = _names(attributes)
        kept = {k: v for k, v in doc.items() if k in ALWAYS or k.lower() in wanted or _has_sub(k, wanted)}
        return {k: _sub_project(k, v, wanted) for k, v in kept.items()}
    if excluded:
        dropped = _names(excluded)
        return {k: v for k, v in doc.items() if k in ALWAYS or k.lower() not in dropped}
    return doc


def _names(text: str) -> set[str]:
    return {strip_urn(part.strip()).lower() for part in text.split(",") if part.strip()}


def _has_sub(key: str, wanted: set[str]) -> bool:
    return any(w.startswith(key.lower() + ".") for w in wanted)


def _sub_project(key: str, value: Any, wanted: set[str]) -> Any:
    if key in ALWAYS or key.lower() in wanted or not isinstance(value, dict | list):
        return value
    subs = {w.split(".", 1)[1] for w in wanted if w.startswith(key.lower() + ".")}
    if isinstance(value, list):
        return [
            {k: v for k, v in item.items() if k.lower() in subs} for item in value if isinstance(item, dict)
        ]
    return {k: v for k, v in value.items() if k.lower() in subs}
