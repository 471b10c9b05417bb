"""Summary: at most 500 characters, extractive, leading with what is new."""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Claim

LIMIT = 500


def _fit(parts: Sequence[str], prefix: str, limit: int) -> str:
    out = prefix
    for p in parts:
        candidate = f"{out} {p}".strip() if out else p
        if len(candidate) <= limit:
            out = candidate
        elif out == prefix:
            room = limit - len(prefix) - 2
            cut = p[:room]
            space = cut.rfind(" ")
            out = f"{prefix} {cut[: space if space > room // 2 else room].rstrip(',;:')}…".strip()
            break
    return out[:limit]


def summarize(
    *,
    relevant: bool,
    reason: str,
    claims: Sequence[Claim],
    title: str,
    earliest: str | None,
    earliest_title: str | None,
    limit: int = LIMIT,
) -> str:
    """New claims first (in article order); when nothing is new, say so and point at the earliest
    coverage; for an article that is off topic, the reason."""
    if not relevant:
        return _fit([reason], "", limit)
    new = [c.text for c in claims if c.novel]
    if new:
        return _fit(new, "New:", limit)
    if not claims:
        return _fit([title or "(no title)"], "New story, no check-worthy claims found:", limit)
    where = earliest or next((c.seen_in for c in claims if c.seen_in), None)
    pointer = f"first reported in {where}" if where else "already reported"
    if earliest_title:
        pointer += f" (“{earliest_title}”)"
    return _fit([f"every claim here was {pointer}."], "Nothing new:", limit)
