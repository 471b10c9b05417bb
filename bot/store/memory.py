"""The analysis's lookup protocols (bot.analysis.memory.Memory) on the SQLite store."""

from __future__ import annotations

from collections.abc import Sequence

from bot.analysis.memory import ClaimQuery, KnownClaim, KnownStory, MemoryRecord, StoryQuery
from bot.store.store import Store


class StoreMemory:
    """Adapter: FTS5 candidate retrieval in the store; the analysis re-scores what it gets."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        return self._store.claim_candidates(query, limit)

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        return self._store.story_candidates(query, limit)

    def stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        return self._store.stories_by_id(story_ids)

    def remember(self, record: MemoryRecord) -> None:
        self._store.remember_analysis(record)
