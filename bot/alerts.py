"""The alert an analysed article gives: an Alert from its Article and Verdict, each new
claim with a short supporting quote from the article (decided here, once, for the outbox)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.models import Alert, Article, Claim, Verdict

_QUOTE_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")
_QUOTE_WORD = re.compile(r"\w+")
QUOTE_CHARS = 220


def deserves_alert(verdict: Verdict) -> bool:
    return verdict.relevant and verdict.novel


def unmuted(
    story: str | None, destinations: Sequence[str], muted_stories: Callable[[str], set[str]]
) -> list[str]:
    """The destinations an alert of `story` is queued for: those that have not muted it
    (`muted_stories(destination)`: bot/store/feedback.py)."""
    if story is None:
        return list(destinations)
    return [d for d in destinations if story not in muted_stories(d)]


def build_alert(article: Article, verdict: Verdict) -> Alert:
    """The alert for a relevant article with new claims. Earlier coverage is the verdict's:
    this story's only (a known fact may come from another story naming the same parties)."""
    return Alert(
        article_id=article.id,
        title=article.title,
        url=article.url,
        source=article.source,
        published=article.published,
        category=verdict.category,
        story=verdict.story,
        summary=verdict.summary,
        new_claims=tuple(with_quote(c, article.text) for c in verdict.new_claims),
        known_claims=tuple(c for c in verdict.claims if not c.novel),
        earlier=verdict.earlier,
        story_title=verdict.story_title,
        language=verdict.language,
        parties=verdict.parties,
    )


def with_quote(claim: Claim, body: str) -> Claim:
    """The claim with a short supporting passage from the article, when the analysis gave none."""
    if claim.quote or not body:
        return claim
    quote = supporting_quote(claim.text, body)
    return replace(claim, quote=quote) if quote else claim


def supporting_quote(claim: str, body: str) -> str | None:
    """The article sentence sharing the most words with the claim (None when none shares half)."""
    wanted = {w.lower() for w in _QUOTE_WORD.findall(claim) if len(w) > 2}
    if not wanted:
        return None
    best, best_score = "", 0.0
    for sentence in _QUOTE_SENTENCE.split(body[:200_000]):
        words = {w.lower() for w in _QUOTE_WORD.findall(sentence) if len(w) > 2}
        score = len(wanted & words) / len(wanted)
        if score > best_score:
            best, best_score = sentence.strip(), score
    if best_score < 0.5:
        return None
    best = " ".join(best.split())
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 1].rstrip() + "…"
