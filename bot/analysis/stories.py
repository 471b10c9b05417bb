"""Stories: every outlet's copy of one event (a ruling, a filing, a deal, a letter) shares a story.

An article joins the best candidate story when the evidence that it reports the *same event*
is strong enough; otherwise it starts a new story whose id derives from its own id (so a seed's
story id is stable: `story:<earliest seed file>`). Evidence, each in 0..1:

* claim support: share of the article's claims that are already known *from that story*
  (syndicated and rewritten copies repeat the event's facts; a later ruling in the same case
  repeats names but not facts);
* lead similarity: character n-gram cosine of title + lead against the story's titles + leads,
  above the similarity any two articles of this beat have anyway;
* entity overlap: overlap coefficient of the names in the titles and leads, where the names
  common to many disputes (big AI developers, their products, countries) weigh a quarter;
* the same category of event (ruling, lawsuit, deal ...); a different stage of litigation
  (a ruling after a filing, a settlement after a ruling) weighs strongly against;
* date distance: an article more than `max_days` after the story's last article is another event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.aliases import COMMON_PARTIES
from bot.analysis.memory import KnownStory
from bot.analysis.novelty import NgramCache, set_cosine

COMMON_PARTIES_WEIGHT = 0.25
# Events that follow one another in a dispute: a filing, a ruling, a settlement or a deal
# between the same parties are different events, so a change of stage starts a new story.
LITIGATION_STAGES = frozenset({"lawsuit", "ruling", "settlement", "licensing deal"})


@dataclass(frozen=True)
class StorySettings:
    candidates: int = 8
    join_at: float = 0.35
    w_claims: float = 0.6
    w_lead: float = 0.5
    lead_baseline: float = 0.3  # titles and leads on this beat share this much anyway
    w_entities: float = 0.5
    w_category: float = 0.1
    min_event_evidence: float = 0.03
    max_days: int = 21
    stage_change: float = 0.4
    same_facts: float = 0.5  # claim support from which date and stage no longer matter


@dataclass(frozen=True)
class StoryEvidence:
    story: KnownStory
    score: float
    claim_support: float
    lead_similarity: float
    entity_overlap: float
    same_category: bool
    days_apart: int | None


@dataclass(frozen=True)
class StoryDecision:
    story_id: str
    duplicate_of: str | None
    evidence: StoryEvidence | None


def story_id_for(first_article_id: str) -> str:
    return f"story:{first_article_id}"


def _weight(entity: str) -> float:
    return COMMON_PARTIES_WEIGHT if entity in COMMON_PARTIES else 1.0


def _overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted overlap coefficient: names common to many disputes count for little."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    shared = sum(_weight(e) for e in sa & sb)
    return shared / min(sum(_weight(e) for e in sa), sum(_weight(e) for e in sb))


def _days(a: datetime | None, b: datetime | None) -> int | None:
    if a is None or b is None:
        return None
    return abs((a - b).days)


def weigh(
    story: KnownStory,
    *,
    head_terms: tuple[str, ...],
    entities: Sequence[str],
    category: str | None,
    published: datetime | None,
    claim_support: float,
    settings: StorySettings,
    grams: NgramCache,
) -> StoryEvidence:
    mine = grams(head_terms)
    lead_sim = max((set_cosine(mine, grams(tuple(h.split()))) for h in story.heads), default=0.0)
    ent = _overlap(entities, story.entities)
    same_cat = category is not None and category == story.category
    days = _days(published, story.last_published or story.first_published)
    # what ties the article to this event (shared facts, a similar telling) ...
    event = settings.w_claims * claim_support + settings.w_lead * max(
        0.0, lead_sim - settings.lead_baseline
    )
    # ... and to its parties; the same parties alone are not the same event
    score = (
        event + settings.w_entities * ent + (settings.w_category if same_cat else 0.0)
        if event >= settings.min_event_evidence
        else 0.0
    )
    # When most of the article's facts are already in the story it is a copy of that event,
    # whatever its date or the stage its wording suggests; otherwise distance and a change
    # of litigation stage weigh against joining.
    if claim_support >= settings.same_facts:
        return StoryEvidence(story, score, claim_support, lead_sim, ent, same_cat, days)
    if days is not None and days > settings.max_days:
        score *= 0.5
    if (
        category != story.category
        and category in LITIGATION_STAGES
        and story.category in LITIGATION_STAGES
    ):
        score *= settings.stage_change  # e.g. a ruling in a case first reported as a filing
    return StoryEvidence(story, score, claim_support, lead_sim, ent, same_cat, days)


def decide(
    article_id: str, evidence: Sequence[StoryEvidence], settings: StorySettings
) -> StoryDecision:
    best = max(evidence, key=lambda e: e.score, default=None)
    if best is None or best.score < settings.join_at:
        return StoryDecision(story_id_for(article_id), None, best)
    return StoryDecision(best.story.story_id, best.story.first_source, best)
