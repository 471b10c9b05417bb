"""Plain data passed between the steps of the pipeline. No I/O here.

Datetimes are always timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FeedItem:
    """One entry of a parsed feed, cleaned to plain text."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: datetime
    published_is_fallback: bool = False  # True when the feed gave no date and fetch time was used
    author: str | None = None


@dataclass(frozen=True)
class Article:
    """A news article as the analysis sees it."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    text: str
    feed_url: str | None = None


@dataclass(frozen=True)
class Claim:
    """A check-worthy factual statement from an article, judged against what is already known.

    `seen_in` is the article id or seed file where the closest known claim appeared first;
    `closest` is that claim's text. Both are None for a new claim with no near match.
    """

    text: str
    novel: bool
    entities: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    seen_in: str | None = None
    closest: str | None = None
    similarity: float = 0.0


@dataclass(frozen=True)
class Verdict:
    """Everything the analysis decided about one article."""

    article_id: str
    relevant: bool
    relevance: float
    category: str | None
    signals: tuple[str, ...]
    story: str | None
    duplicate_of: str | None
    novel: bool
    claims: tuple[Claim, ...]
    summary: str
    reason: str = ""  # one line a person can read: why this was (not) posted

    @property
    def new_claims(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if c.novel)


@dataclass(frozen=True)
class Alert:
    """What a destination shows for one article: built from an Article and its Verdict."""

    article_id: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    category: str | None
    story: str | None
    summary: str
    new_claims: tuple[Claim, ...]
    known_claims: tuple[Claim, ...] = ()
    earlier: tuple[str, ...] = field(default=())  # links or seed names of earlier coverage
