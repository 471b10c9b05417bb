"""A hand-written judge for chat tests: stories from titles, claims from sentences."""

from __future__ import annotations

import re

from bot.analysis.assess import Assessment
from bot.analysis.memory import Memory
from bot.models import Article, Claim, Verdict
from bot.seeds import Seed

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class StoryAssessor:
    """A hand-written judge: relevant when the text mentions training; the story is the
    part of the title before ':'; each sentence is a claim, new unless seen before."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def assess(self, article: Article, known: Memory) -> Assessment:
        relevant = "training" in f"{article.title} {article.text}".lower()
        story = article.title.split(":", 1)[0].strip().lower().replace(" ", "-")[:60]
        return Assessment(
            self._verdict(article.id, article.text if relevant else "", relevant, story)
        )

    def assess_seed(self, seed: Seed, known: Memory) -> Assessment:
        return Assessment(self._verdict(seed.id, " ".join(seed.claims) or seed.text, True, "seed"))

    def _verdict(self, source: str, text: str, relevant: bool, story: str) -> Verdict:
        claims = []
        for sentence in (s.strip() for s in _SENTENCE.split(text)):
            if len(sentence.split()) < 3:
                continue
            seen_in = self.seen.get(sentence.lower())
            claims.append(Claim(text=sentence, novel=seen_in is None, seen_in=seen_in))
            self.seen.setdefault(sentence.lower(), source)
        novel = any(c.novel for c in claims)
        return Verdict(
            article_id=source,
            relevant=relevant,
            relevance=0.9 if relevant else 0.1,
            category="lawsuit" if relevant else None,
            signals=("mentions training",) if relevant else ("no training-data terms",),
            story=story if relevant else None,
            duplicate_of=None,
            novel=novel,
            claims=tuple(claims),
            summary=claims[0].text if claims else "",
            reason=(
                "new claims" if novel else ("nothing new" if relevant else "not about training")
            ),
        )
