"""A notice's text: Markdown written by staff, rendered to HTML on the server with markdown-it
(CommonMark). Raw HTML in the text is not passed through but shown as typed, and links are
checked by markdown-it (no `javascript:` or `data:` addresses), so what is rendered carries
no script of anyone's."""

from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        "table"
    )


def render(text: str) -> SafeString:
    return mark_safe(_renderer().render(text or ""))  # noqa: S308 — raw HTML is escaped
