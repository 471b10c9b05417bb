"""The analysis as the pipeline calls it: assess one article (or seed) against what is known.

Pure composition: the look-ups go through the `Memory` it is handed for each call (the store
plus the current batch's uncommitted records in the bot, an in-memory one in tests). It
returns an `Assessment` value — the verdict and the record to keep — and keeps nothing
itself: the caller commits the record together with the article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.analysis.analyzer import AnalysisSettings, Analyzer, SeedDocument
from bot.analysis.memory import Memory, MemoryRecord
from bot.analysis.relevance_model import RelevanceModel
from bot.models import Article, Verdict


@dataclass(frozen=True)
class Assessment:
    """What the analysis decided (`verdict`) and what later analyses should find (`record`;
    None from stand-ins that keep no index)."""

    verdict: Verdict
    record: MemoryRecord | None = None


class SeedLike(Protocol):
    """What the analysis needs of a loaded seed (bot.seeds.Seed has these)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def text(self) -> str: ...
    @property
    def claims(self) -> tuple[str, ...]: ...


def seed_document(seed: SeedLike) -> SeedDocument:
    title = seed.title or seed.text.strip().split("\n", 1)[0][:120]
    return SeedDocument(
        seed_id=seed.id,
        title=title,
        published=seed.published,
        text=None if seed.claims else seed.text,
        claims=tuple(seed.claims),
    )


class AnalysisAssessor:
    """Assesses articles and seeds against the memory given with each call."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def assess(self, article: Article, known: Memory) -> Assessment:
        analysis = self.analyzer.analyze_full(article, known)
        return Assessment(analysis.verdict, analysis.record)

    def assess_seed(self, seed: SeedLike, known: Memory) -> Assessment:
        analysis = self.analyzer.analyze_seed(seed_document(seed), known)
        return Assessment(analysis.verdict, analysis.record)


def build_assessor(
    relevance_threshold: float = 0.5, relevance_model: RelevanceModel | None = None
) -> AnalysisAssessor:
    settings = AnalysisSettings(relevance_threshold=relevance_threshold)
    return AnalysisAssessor(Analyzer(settings, relevance_model))
