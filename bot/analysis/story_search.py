"""Finds the story an article belongs to: gathers candidate stories from memory, weighs the
evidence for each and decides (bot/analysis/stories.py holds the weighing and the decision)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.analysis.claims import ExtractedClaim
from bot.analysis.memory import Memory, StoryQuery
from bot.analysis.novelty import ClaimAssessment, NgramCache
from bot.analysis.stories import StoryDecision, StorySettings, decide, party_terms, weigh


def find_story(
    article_id: str,
    head_terms: tuple[str, ...],
    parties: tuple[str, ...],
    published: datetime | None,
    extracted: list[ExtractedClaim],
    assessments: list[ClaimAssessment],
    memory: Memory,
    grams: NgramCache,
    ss: StorySettings,
) -> StoryDecision:
    """The story the article belongs to, or a new one: candidates by head words, by parties and
    by the stories its known facts come from, each weighed, then decided."""
    # claim support counts factual claims (with a name or a number) only: commentary
    # sentences neither make nor break the identity of an event
    support: Counter[str] = Counter()
    factual = 0
    for c, j in zip(extracted, assessments, strict=True):
        if not (c.entities or c.numbers):
            continue
        factual += 1
        if not j.novel and j.closest is not None and j.closest.story is not None:
            support[j.closest.story] += 1
    candidates = list(memory.story_candidates(StoryQuery(head_terms, published), ss.candidates))
    # ... and the stories of its parties, which a title with other rare words would miss
    by_parties = memory.story_candidates(StoryQuery(party_terms(parties), published), 4)
    have = {c.story_id for c in candidates}
    candidates += [c for c in by_parties if c.story_id not in have]
    # the stories the article's known facts come from are candidates too, so a rewrite
    # under another headline still meets its story
    have = {c.story_id for c in candidates}
    missing = [s for s in support if s not in have]
    if missing:
        candidates += memory.stories(missing)
    evidence = [
        weigh(
            s,
            head_terms=head_terms,
            parties=parties,
            claim_support=support[s.story_id] / max(1, factual),
            settings=ss,
            grams=grams,
        )
        for s in candidates
    ]
    return decide(article_id, evidence, ss)
