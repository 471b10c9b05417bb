"""What the analysis needs to look up, as protocols, plus an in-memory implementation.

The analysis asks two questions of what it has seen before:

* `KnownClaims.candidates(query, limit)`: the known claims most likely to say the same thing
  as a new claim. `query.terms` are the claim's content words and entity names: the live store
  runs them as an FTS5 OR-query ranked by bm25 and returns the top `limit` rows; the analysis
  re-scores those few itself (character n-grams, new names and numbers, aliases).
* `KnownStories.story_candidates(query, limit)`: stories whose articles share words and entities
  with a new article's title and lead (again an FTS5 query over stored titles and leads).

After `Analyzer.analyze` the caller hands the `MemoryRecord` it returned to the store
(`remember`), which keeps the article's claims, entities and story: a plain data hand-off.

`InMemoryMemory` implements both protocols with inverted indexes (no full scans), for tests,
the dev evaluation and `analyze` without `--db`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredClaim:
    text: str
    entities: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownClaim:
    """A claim already in memory, with where and when it was first seen."""

    text: str
    source_id: str  # article id or seed file name
    seq: int  # arrival order in memory: seeds first, smaller is earlier
    story: str | None = None
    entities: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    published: datetime | None = None
    is_seed: bool = False
    terms: tuple[str, ...] = ()  # the words it is indexed under (also used for similarity)
    # a reader said the alert that called this claim new told nothing new ("Nothing new
    # here" in force): later claims close to it are known at a lower bar (novelty.py)
    reader_known: bool = False


@dataclass(frozen=True)
class ClaimQuery:
    text: str
    terms: tuple[str, ...]  # lower-case content words and entity words, for an OR query


@dataclass(frozen=True)
class StoryQuery:
    terms: tuple[str, ...]  # lower-case words of the title and lead, entity words
    published: datetime | None = None


@dataclass(frozen=True)
class KnownStory:
    story_id: str
    first_source: str  # id or seed file name of the story's earliest article
    first_title: str
    first_published: datetime | None
    last_published: datetime | None
    category: str | None
    entities: tuple[str, ...]  # canonical names mentioned in the members' titles and leads
    heads: tuple[str, ...]  # index words of title + lead of each member (the first and last few)
    size: int
    members: tuple[tuple[str, ...], ...] = ()  # each of those members' parties, most salient first
    title: str = ""  # the story's name, given when its first article started it


@dataclass(frozen=True)
class MemoryRecord:
    """What the caller stores after an analysis: enough to answer later look-ups."""

    article_id: str
    title: str
    lead: str
    published: datetime | None
    relevant: bool
    is_seed: bool
    category: str | None
    story: str | None
    entities: tuple[str, ...]
    terms: tuple[str, ...]  # words indexed for story look-up
    claims: tuple[StoredClaim, ...] = ()
    claim_terms: tuple[tuple[str, ...], ...] = ()  # per claim: words indexed for claim look-up
    story_title: str = ""  # the story's name (kept when the article starts the story)


class KnownClaims(Protocol):
    def candidates(self, query: ClaimQuery, limit: int) -> Sequence[KnownClaim]: ...


class KnownStories(Protocol):
    def story_candidates(self, query: StoryQuery, limit: int) -> Sequence[KnownStory]: ...

    def stories(self, story_ids: Sequence[str]) -> Sequence[KnownStory]:
        """The stories with these ids (those an article's known claims come from), so a
        rewrite under a different headline still meets the story its facts belong to."""
        ...


class Memory(KnownClaims, KnownStories, Protocol):
    """Everything the analyzer looks up."""


@dataclass
class _StoryAcc:
    story_id: str
    first_source: str
    first_title: str
    first_published: datetime | None
    last_published: datetime | None
    category: str | None
    entities: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)  # the first MAX_HEADS members' ...
    members: list[tuple[str, ...]] = field(default_factory=list)
    last_heads: list[str] = field(default_factory=list)  # ... and the last MAX_HEADS others'
    last_members: list[tuple[str, ...]] = field(default_factory=list)
    size: int = 0
    title: str = ""


class InMemoryMemory:
    """Both protocols over plain dicts; candidate look-up goes through inverted indexes."""

    MAX_HEADS = 4

    def __init__(self) -> None:
        self._claims: list[KnownClaim] = []
        self._claim_index: dict[str, list[int]] = defaultdict(list)
        self._stories: dict[str, _StoryAcc] = {}
        self._story_index: dict[str, set[str]] = defaultdict(set)
        self._story_docs = 0
        self._seen: set[str] = set()

    def __len__(self) -> int:
        return len(self._claims)

    # -- writing -----------------------------------------------------------------------------
    def remember(self, record: MemoryRecord) -> None:
        """Keep a relevant article's claims and story membership (once per article id)."""
        if not record.relevant or record.story is None or record.article_id in self._seen:
            return
        self._seen.add(record.article_id)
        for claim, terms in zip(record.claims, record.claim_terms, strict=True):
            idx = len(self._claims)
            self._claims.append(
                KnownClaim(
                    text=claim.text,
                    source_id=record.article_id,
                    seq=idx,
                    story=record.story,
                    entities=claim.entities,
                    numbers=claim.numbers,
                    published=record.published,
                    is_seed=record.is_seed,
                    terms=terms,
                )
            )
            for t in set(terms):
                self._claim_index[t].append(idx)
        acc = self._stories.get(record.story)
        if acc is None:
            acc = _StoryAcc(
                story_id=record.story,
                first_source=record.article_id,
                first_title=record.title,
                first_published=record.published,
                last_published=record.published,
                category=record.category,
                title=record.story_title,
            )
            self._stories[record.story] = acc
        acc.size += 1
        if record.published and (
            acc.last_published is None or record.published > acc.last_published
        ):
            acc.last_published = record.published
        for e in record.entities:
            if e not in acc.entities:
                acc.entities.append(e)
        if len(acc.heads) < self.MAX_HEADS:
            acc.heads.append(" ".join(record.terms))
            acc.members.append(record.entities)
        else:
            acc.last_heads = [*acc.last_heads, " ".join(record.terms)][-self.MAX_HEADS :]
            acc.last_members = [*acc.last_members, record.entities][-self.MAX_HEADS :]
        self._story_docs += 1
        for t in set(record.terms):
            self._story_index[t].add(record.story)

    # -- reading -----------------------------------------------------------------------------
    def candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        n = max(1, len(self._claims))
        scores: dict[int, float] = defaultdict(float)
        for t in set(query.terms):
            postings = self._claim_index.get(t)
            if not postings:
                continue
            idf = math.log(1 + n / len(postings))
            for i in postings:
                scores[i] += idf
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [self._claims[i] for i, _ in best]

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        n = max(1, len(self._stories))
        scores: dict[str, float] = defaultdict(float)
        for t in set(query.terms):
            stories = self._story_index.get(t)
            if not stories:
                continue
            idf = math.log(1 + n / len(stories))
            for s in stories:
                scores[s] += idf
        best = sorted(scores.items(), key=lambda kv: -kv[1])[:limit]
        return [self._freeze(self._stories[s]) for s, _ in best]

    def stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        return [self._freeze(self._stories[s]) for s in story_ids if s in self._stories]

    @staticmethod
    def _freeze(acc: _StoryAcc) -> KnownStory:
        return KnownStory(
            story_id=acc.story_id,
            first_source=acc.first_source,
            first_title=acc.first_title,
            first_published=acc.first_published,
            last_published=acc.last_published,
            category=acc.category,
            entities=tuple(acc.entities),
            heads=(*acc.heads, *acc.last_heads),
            size=acc.size,
            members=(*acc.members, *acc.last_members),
            title=acc.title,
        )
