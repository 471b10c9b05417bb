"""What the analysis can look up: the store plus the records of a batch not yet committed.

The analysis runs outside any write transaction, one article at a time; the articles
assessed before it in the same batch are not in the database yet, so `PendingRecords`
holds their records (an in-memory index) until the batch's commit lands. `KnownToStore`
answers the analysis's look-ups (bot.analysis.memory.Memory) from both: the store first,
then the pending records, under the store's lock so a commit is seen either wholly in the
store or wholly pending, never in both or neither.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence

from bot.analysis.memory import (
    ClaimQuery,
    InMemoryMemory,
    KnownClaim,
    KnownStory,
    MemoryRecord,
    StoryQuery,
)
from bot.store.store import Store

# Pending claims come after every stored one ("smaller seq is earlier").
_PENDING_SEQ = 1 << 62
_STORY_MEMBERS = 4  # first and last members a story shows (as Store.STORY_MEMBERS)


class PendingRecords:
    """Articles assessed but not yet committed: their ids, URLs and analysis records."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, MemoryRecord | None] = {}
        self._urls: dict[str, str] = {}  # article id -> canonical URL
        self._url_count: dict[str, int] = {}  # canonical URL -> pending articles with it
        self._index = InMemoryMemory()
        self._stale = False  # the index holds a record no longer pending

    def add(self, article_id: str, url: str | None, record: MemoryRecord | None) -> None:
        with self._lock:
            if article_id in self._records:
                self._stale |= self._records[article_id] is not None
                self._forget(article_id)
            self._records[article_id] = record
            if url:
                self._urls[article_id] = url
                self._url_count[url] = self._url_count.get(url, 0) + 1
            if record is not None:
                self._index.remember(record)

    def discard(self, article_ids: Iterable[str]) -> None:
        """Forget these articles (their commit landed, or failed and rolled back)."""
        with self._lock:
            gone = [a for a in set(article_ids) if a in self._records]
            if not gone:
                return
            stale = self._stale or any(self._records[a] is not None for a in gone)
            for article_id in gone:
                self._forget(article_id)
            if not stale:  # no record left: the index stays as it is
                return
            self._index, self._stale = InMemoryMemory(), False
            for record in self._records.values():
                if record is not None:
                    self._index.remember(record)

    def _forget(self, article_id: str) -> None:
        del self._records[article_id]
        url = self._urls.pop(article_id, None)
        if url is not None:
            left = self._url_count[url] - 1
            if left:
                self._url_count[url] = left
            else:
                del self._url_count[url]

    def holds(self, article_id: str, url: str | None) -> bool:
        """True when this article (by id, or by canonical URL) is waiting to be committed."""
        with self._lock:
            return article_id in self._records or (url is not None and url in self._url_count)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        with self._lock:
            found = self._index.candidates(query, limit)
        return [dataclasses.replace(c, seq=_PENDING_SEQ + c.seq) for c in found]

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        with self._lock:
            return self._index.story_candidates(query, limit)

    def stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        with self._lock:
            return self._index.stories(story_ids)


class KnownToStore:
    """The analysis's look-ups over the store and (optionally) a batch's pending records."""

    def __init__(self, store: Store, pending: PendingRecords | None = None) -> None:
        self._store = store
        self._pending = pending

    def candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        with self._store.reading():
            found = self._store.claim_candidates(query, limit)
            confirmed = self._store.reader_known_claims(c.source_id for c in found)
            if self._pending is not None and len(self._pending):
                found += self._pending.candidates(query, limit)
        if not confirmed:
            return found
        return [
            dataclasses.replace(c, reader_known=True) if (c.source_id, c.text) in confirmed else c
            for c in found
        ]

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        with self._store.reading():
            stored = self._store.story_candidates(query, limit)
            if self._pending is None or not len(self._pending):
                return stored
            pending = self._pending.story_candidates(query, limit)
            ids = list(dict.fromkeys([s.story_id for s in stored] + [s.story_id for s in pending]))
            return self._merged(ids[:limit], stored)

    def stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        with self._store.reading():
            stored = self._store.stories_by_id(story_ids)
            if self._pending is None or not len(self._pending):
                return stored
            return self._merged(list(dict.fromkeys(story_ids)), stored)

    def _merged(self, ids: list[str], stored: list[KnownStory]) -> list[KnownStory]:
        assert self._pending is not None
        have = {s.story_id: s for s in stored}
        missing = [i for i in ids if i not in have]
        if missing:
            have.update((s.story_id, s) for s in self._store.stories_by_id(missing))
        pending = {s.story_id: s for s in self._pending.stories(ids)}
        out = []
        for story_id in ids:
            old, new = have.get(story_id), pending.get(story_id)
            if old and new:
                out.append(merge_story(old, new))
            elif old or new:
                out.append(old or new)  # type: ignore[arg-type]
        return out


def merge_story(stored: KnownStory, pending: KnownStory) -> KnownStory:
    """One story from its stored members and its pending ones (which came later): the first
    and the last few members, as the store would show them once all are committed."""
    heads = [*stored.heads, *pending.heads]
    members = [*stored.members, *pending.members]
    if len(heads) > 2 * _STORY_MEMBERS:
        heads = heads[:_STORY_MEMBERS] + heads[-_STORY_MEMBERS:]
        members = members[:_STORY_MEMBERS] + members[-_STORY_MEMBERS:]
    lasts = [d for d in (stored.last_published, pending.last_published) if d is not None]
    return dataclasses.replace(
        stored,
        last_published=max(lasts) if lasts else None,
        entities=tuple(dict.fromkeys((*stored.entities, *pending.entities))),
        heads=tuple(heads),
        members=tuple(members),
        size=stored.size + pending.size,
    )
