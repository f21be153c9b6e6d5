"""Plain explanations and safe-rewrite suggestions per category family (the prompt coach's texts)."""

from __future__ import annotations

from limner.imaging.actions import Action

EXPLANATIONS: dict[str, str] = {
    "pii": "The prompt contains personal data about someone ({categories}).",
    "secret": "The prompt contains what looks like a password, key or token ({categories}).",
    "confidential": "The prompt contains terms your organisation marks as confidential ({categories}).",
    "harm": "The prompt asks for content this organisation does not allow ({categories}).",
    "person": "The prompt names a real person; realistic images of real people can deceive or harm them.",
    "ip": "The prompt names protected characters, brands or artists ({categories}).",
}
SUGGESTIONS: dict[str, str] = {
    "pii": "Describe the scene without names, contact details or identifiers ('a customer', not a name).",
    "secret": "Remove the credential from the prompt and rotate it: anything pasted here may be exposed.",
    "confidential": "Use a generic description instead of internal code names or customer names.",
    "harm": "Describe the idea without the harmful element, or ask your policy team about an exception.",
    "person": "Describe a fictional person instead ('a politician at a podium'), or use an approved photo.",
    "ip": "Describe an original character or a generic product instead of a protected one.",
}
LEADS: dict[Action, str] = {
    Action.BLOCK: "This request was blocked.",
    Action.REVIEW: "This request needs a reviewer's approval.",
    Action.REDACT: "Parts of the prompt were replaced before it was sent.",
    Action.WARN: "Please check this prompt before continuing.",
    Action.ALLOW: "",
}


PROVIDER_ERROR = "harm.provider_error"


def explain(action: Action, categories: list[str]) -> tuple[str, str | None]:
    """(explanation, suggestion) for the most important category family present."""
    if not categories:
        return "", None
    if categories == [PROVIDER_ERROR]:
        return (
            f"{LEADS[action]} The content safety check is unavailable right now, so nothing was sent.",
            "Try again in a few minutes; if it persists, tell your administrator.",
        )
    family = categories[0].split(".", 1)[0]
    reason = EXPLANATIONS.get(family, "The prompt matched this organisation's policy ({categories}).")
    text = f"{LEADS[action]} {reason.format(categories=', '.join(categories))}".strip()
    return text, SUGGESTIONS.get(family)
