"""Hand-written stand-ins for the analysis, used by tests of the parts around it."""

from __future__ import annotations

import hashlib
import re

from bot.analysis.assess import Assessment
from bot.analysis.memory import Memory
from bot.models import Article, Claim, Verdict
from bot.seeds import Seed

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class KeywordAssessor:
    """Relevant when the text mentions training; a sentence is new unless seen before."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}
        self.judged: list[str] = []

    def assess(self, article: Article, known: Memory) -> Assessment:
        self.judged.append(article.id)
        text = f"{article.title}. {article.text}"
        relevant = "training" in text.lower()
        return Assessment(self._verdict(article.id, text if relevant else "", relevant))

    def assess_seed(self, seed: Seed, known: Memory) -> Assessment:
        return Assessment(self._verdict(seed.id, " ".join(seed.claims) or seed.text, True))

    def _verdict(self, source_id: str, text: str, relevant: bool) -> Verdict:
        claims = []
        for sentence in (s.strip() for s in _SENTENCE.split(text)):
            if len(sentence.split()) < 4:
                continue
            key = sentence.lower()
            seen_in = self.seen.get(key)
            claims.append(Claim(text=sentence, novel=seen_in is None, seen_in=seen_in))
            self.seen.setdefault(key, source_id)
        novel = any(c.novel for c in claims)
        story = "story-" + hashlib.sha1(text[:40].encode()).hexdigest()[:6] if relevant else None
        return Verdict(
            article_id=source_id,
            relevant=relevant,
            relevance=1.0 if relevant else 0.0,
            category="lawsuit" if relevant else None,
            signals=("keyword: training",) if relevant else (),
            story=story,
            duplicate_of=None,
            novel=novel,
            claims=tuple(claims),
            summary=claims[0].text if claims else "",
            reason="new claims" if novel else ("nothing new" if relevant else "not relevant"),
        )
