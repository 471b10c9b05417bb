"""The names an article is about: those in its title and lead, and the ones it keeps
coming back to (its key entities, from which the story's parties are chosen)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.analysis.aliases import canonical_entities
from bot.analysis.claims import DATELINE, ExtractedClaim
from bot.analysis.entities import entities

_DATELINE = DATELINE  # where the story was filed, not who is in it


def head_entities_of(title: str, lead: str) -> tuple[str, ...]:
    """Names in the title and lead. A title-cased headline gives only alias-table names, since
    every word of it is capitalised."""
    title_words = [w for w in title.split() if w[:1].isalpha()]
    capitalised = sum(w[0].isupper() for w in title_words)
    if title_words and capitalised / len(title_words) > 0.6:
        from_title: tuple[str, ...] = tuple(sorted(canonical_entities(title)))
    else:
        from_title = entities(title)
    return tuple(dict.fromkeys(from_title + entities(_DATELINE.sub("", lead, count=1))))


KEY_ENTITIES = 8


def key_entities(
    title_entities: Sequence[str], head_entities: Sequence[str], claims: Sequence[ExtractedClaim]
) -> tuple[str, ...]:
    """The parties an article is about: names it keeps coming back to. Each claim mentioning a
    name counts once, the title counts twice, the lead once; names mentioned only once drop
    out (film titles, datelines, outlets quoted in passing) unless too few names remain."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    order = 0
    for group, weight in ((title_entities, 2), (head_entities, 1)):
        for e in group:
            counts[e] += weight
            first.setdefault(e, order)
            order += 1
    for c in claims:
        for e in set(c.entities):
            counts[e] += 1
            first.setdefault(e, order)
            order += 1
    ranked = sorted(counts, key=lambda e: (-counts[e], first[e]))
    repeated = [e for e in ranked if counts[e] >= 3]
    chosen = repeated if len(repeated) >= 3 else ranked[:3]
    return tuple(chosen[:KEY_ENTITIES])
