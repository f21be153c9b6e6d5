"""SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON document; the caller then saves it like a PUT.

Accepts what Okta and Entra ID send: ops in any case ("Replace"), no-path replaces with an object,
string booleans ("False"), `members[value eq "id"]` paths and remove-with-value for members."""

from __future__ import annotations

import re
from typing import Any

from limner.identity.scim.errors import invalid
from limner.identity.scim.query import strip_urn

_PATH = re.compile(r'^([A-Za-z$][\w$]*)(?:\[\s*(\w+)\s+eq\s+"([^"]*)"\s*\])?(?:\.([A-Za-z$][\w$]*))?$', re.I)


def apply_patch(doc: dict[str, Any], body: dict[str, Any], multi: set[str]) -> dict[str, Any]:
    """`multi` names the multi-valued attributes (lower case). Returns the patched copy."""
    ops = body.get("Operations")
    if not isinstance(ops, list) or not ops:
        raise invalid("A PatchOp needs a non-empty Operations list.", "invalidSyntax")
    result = dict(doc)
    for op in ops:
        if not isinstance(op, dict):
            raise invalid("Each operation must be an object.", "invalidSyntax")
        _apply(result, str(op.get("op", "")).lower(), op.get("path"), op.get("value"), multi)
    return result


def _apply(doc: dict[str, Any], op: str, path: Any, value: Any, multi: set[str]) -> None:
    if op not in ("add", "replace", "remove"):
        raise invalid(f"Unknown PATCH op {op!r}.", "invalidSyntax")
    if path is None or path == "":
        if op == "remove":
            raise invalid("A remove operation needs a path.", "noTarget")
        if not isinstance(value, dict):
            raise invalid("Without a path, the value must be an object.", "invalidValue")
        for key, item in value.items():
            _apply(doc, op, key, item, multi)
        return
    match = _PATH.match(strip_urn(str(path)))
    if match is None:
        raise invalid(f"Unsupported PATCH path {str(path)[:100]!r}.", "invalidPath")
    attr, f_attr, f_value, sub = match.groups()
    key = _key(doc, attr)
    if f_attr:
        _apply_filtered(doc, op, key, (f_attr, f_value), sub, value)
    elif sub:
        _apply_sub(doc, op, key, sub, value)
    else:
        _apply_attr(doc, op, key, value, key.lower() in multi)


def _apply_attr(doc: dict[str, Any], op: str, key: str, value: Any, is_multi: bool) -> None:
    if op == "remove":
        if is_multi and isinstance(value, list) and value:  # Entra: remove these members
            drop = {str(v.get("value")) for v in value if isinstance(v, dict)}
            doc[key] = [i for i in doc.get(key) or [] if str(i.get("value")) not in drop]
        else:
            doc.pop(key, None)
        return
    if is_multi:
        items = value if isinstance(value, list) else [value]
        if op == "add":
            existing = doc.get(key) or []
            seen = {str(i.get("value")) for i in existing if isinstance(i, dict)}
            items = existing + [i for i in items if not (isinstance(i, dict) and str(i.get("value")) in seen)]
        doc[key] = items
    elif isinstance(value, dict) and isinstance(doc.get(key), dict) and op == "add":
        doc[key] = {**doc[key], **value}
    else:
        doc[key] = value


def _apply_sub(doc: dict[str, Any], op: str, key: str, sub: str, value: Any) -> None:
    parent = dict(doc.get(key) or {})
    sub_key = _key(parent, sub)
    if op == "remove":
        parent.pop(sub_key, None)
    else:
        parent[sub_key] = value
    doc[key] = parent


def _apply_filtered(
    doc: dict[str, Any], op: str, key: str, flt: tuple[str, str], sub: str | None, value: Any
) -> None:
    items = [dict(i) for i in doc.get(key) or [] if isinstance(i, dict)]
    hit = [i for i in items if str(_get(i, flt[0])) == flt[1]]
    if op == "remove" and sub is None:
        doc[key] = [i for i in items if i not in hit]
        return
    if not hit and op == "replace":
        raise invalid(f"No {key} value matches the filter.", "noTarget")
    for item in hit:
        if sub is None:
            item.update(value if isinstance(value, dict) else {})
        elif op == "remove":
            item.pop(_key(item, sub), None)
        else:
            item[_key(item, sub)] = value
    doc[key] = items


def _key(doc: dict[str, Any], name: str) -> str:
    """Attribute names are case-insensitive: reuse the document's spelling when it has one."""
    return next((k for k in doc if k.lower() == name.lower()), name)


def _get(item: dict[str, Any], name: str) -> Any:
    return item.get(_key(item, name))
