"""Markdown written by admins (policy, training, banners) rendered safely: raw HTML is escaped, and
markdown-it refuses javascript:, vbscript: and file: links."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def to_html(text: str) -> Markup:
    return Markup(_parser().render(text))  # html=False above: the input cannot carry markup
