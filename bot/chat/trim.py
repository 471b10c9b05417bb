"""Outside text cut to fit: one line, and trimmed at a sentence or word boundary.

Shared by every platform; a platform passes `tidy` for what its own markup must never end
on (a lone backslash on Discord, half an `&amp;` entity on Slack).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")


def one_line(text: str, limit: int = 2000) -> str:
    """Collapse whitespace and control characters; cut overlong text with an ellipsis."""
    head = text[: limit * 2 + 64]  # a 100 KB title costs no more than a short one
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in head).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def trim(text: str, limit: int, *, tidy: Callable[[str], str] | None = None) -> str:
    """At most `limit` characters: after the last whole sentence that ends in the second
    half, else at a word boundary (or mid-word) marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit // 2:
        cut, mark = head[: ends[-1]], ""
    else:
        space = head.rfind(" ")
        cut, mark = (head[:space] if space >= limit // 2 else head).rstrip(), "…"
    return (tidy(cut) if tidy else cut) + mark
