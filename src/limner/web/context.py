"""Values every signed-in page shows (banners and the like), gathered from each domain's hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from limner.web.pages import Page

ContextHook = Callable[["Page"], Awaitable[dict[str, object]]]


def page_context_hooks() -> list[ContextHook]:
    """Each hook returns values merged into every signed-in page's template context."""
    from limner.web.training_pages import banner_context

    return [banner_context]
