"""The pipeline's Judge (bot.pipeline.Judge) built from the analysis: analyse, then remember.

Pure composition: the memory it is given does the look-ups and keeps the records (the SQLite
store in the bot, an in-memory one in tests), so this module does no I/O itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.analysis.analyzer import AnalysisSettings, Analyzer, SeedDocument
from bot.analysis.memory import Memory, MemoryRecord
from bot.analysis.relevance_model import RelevanceModel
from bot.models import Article, Verdict


class RememberingMemory(Memory, Protocol):
    def remember(self, record: MemoryRecord) -> None: ...


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


class AnalysisJudge:
    """Judges articles and seeds against everything remembered so far, then remembers them."""

    def __init__(self, analyzer: Analyzer, memory: RememberingMemory) -> None:
        self.analyzer = analyzer
        self.memory = memory

    def judge(self, article: Article) -> Verdict:
        analysis = self.analyzer.analyze_full(article, self.memory)
        self.memory.remember(analysis.record)
        return analysis.verdict

    def judge_seed(self, seed: SeedLike) -> Verdict:
        analysis = self.analyzer.analyze_seed(seed_document(seed), self.memory)
        self.memory.remember(analysis.record)
        return analysis.verdict


def build_judge(
    memory: RememberingMemory,
    relevance_threshold: float = 0.5,
    relevance_model: RelevanceModel | None = None,
) -> AnalysisJudge:
    settings = AnalysisSettings(relevance_threshold=relevance_threshold)
    return AnalysisJudge(Analyzer(settings, relevance_model), memory)
