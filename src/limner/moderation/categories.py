"""The moderation categories every provider maps its own labels onto."""

from __future__ import annotations

SEXUAL = "sexual"
SEXUAL_MINORS = "sexual_minors"
VIOLENCE = "violence"
GORE = "gore"
SELF_HARM = "self_harm"
HATE = "hate"
HARASSMENT = "harassment"
ILLEGAL = "illegal"

CATEGORIES = (SEXUAL, SEXUAL_MINORS, VIOLENCE, GORE, SELF_HARM, HATE, HARASSMENT, ILLEGAL)
