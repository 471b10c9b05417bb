"""Known means the same fact: a known claim from another story counts only when the claim
names that story's parties, so "the court denied the motion" of one suit is news in another,
whatever words they share."""

from __future__ import annotations

from collections.abc import Sequence

from bot.analysis.claims import ExtractedClaim
from bot.analysis.memory import KnownClaim, Memory
from bot.analysis.novelty import ClaimAssessment, NgramCache, NoveltySettings, assess_claim
from bot.analysis.stories import same_matter


def reassess_across_stories(
    extracted: list[ExtractedClaim],
    candidates_of: list[Sequence[KnownClaim]],
    terms_of: list[tuple[str, ...]],
    assessments: list[ClaimAssessment],
    story_id: str,
    parties: tuple[str, ...],
    memory: Memory,
    grams: NgramCache,
    settings: NoveltySettings,
) -> list[ClaimAssessment]:
    """The claims' assessments once known claims of other stories count only when the claim
    names that story's parties (the same fact needs the same parties and matter)."""
    # Fewer candidates can only make a claim newer, so a claim already new stays new and
    # only the known ones are judged again.
    others = sorted(
        {
            k.story
            for cands, j in zip(candidates_of, assessments, strict=True)
            if not j.novel
            for k in cands
            if k.story and k.story != story_id
        }
    )
    if not others:
        return assessments
    stories = {s.story_id: s for s in memory.stories(others)}
    out: list[ClaimAssessment] = []
    for c, cands, terms, j in zip(extracted, candidates_of, terms_of, assessments, strict=True):
        if j.novel:
            out.append(j)
            continue
        kept = [
            k
            for k in cands
            if k.story is None
            or k.story == story_id
            or same_matter(c.entities, parties, stories.get(k.story))
        ]
        if len(kept) == len(cands):
            out.append(j)
        else:
            out.append(assess_claim(c, kept, settings, grams, terms))
    return out
