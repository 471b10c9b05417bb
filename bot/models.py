"""Plain data passed between the steps of the pipeline. No I/O here.

Datetimes are always timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FeedState:
    """What the polls have learnt about a feed; replaced whole after each poll
    (bot.feeds.state decides the next one)."""

    fetch_url: str | None = None  # where it is fetched from after a permanent redirect
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None  # of the last body parsed
    last_checked_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_status: str | None = None  # ok | not_modified | unchanged | error
    last_warning: str | None = None
    consecutive_failures: int = 0
    next_check_at: datetime | None = None
    failing_notified: bool = False  # a "feed is failing" notice went out
    first_poll_done: bool = False


@dataclass(frozen=True)
class FeedSchedule:
    """What the scheduler reads of a feed every minute (a light read: no whole Feed)."""

    url: str
    interval_minutes: int | None = None  # None: the configured default
    paused: bool = False
    next_check_at: datetime | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True)
class Feed:
    """A watched feed: keyed by the URL it was added with, plus its poll state."""

    url: str
    name: str = ""
    title: str = ""  # the feed's own title, from its last parse
    interval_minutes: int | None = None  # None: the configured default
    backfill: int = 0  # items the first poll analyses (the rest are only recorded)
    origin: str = "config"  # config | cli (added from the command line or chat)
    added_at: datetime | None = None
    paused: bool = False  # kept, shown, not polled (feeds pause / resume)
    state: FeedState = field(default_factory=FeedState)

    @property
    def display_name(self) -> str:
        """The name a person gave it, else the feed's own title, else its URL."""
        return self.name or self.title or self.url

    @property
    def label(self) -> str:
        """How notices name the feed: "Name (url)", or the URL alone."""
        name = self.name or self.title
        return f"{name} ({self.url})" if name else self.url


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
    # canonical_url(link), worked out where the feed was parsed (bot/feeds/parse_pool.py) so
    # that the poll's own process does not; None: not worked out, the reader does it.
    canonical_link: str | None = field(default=None, compare=False, repr=False)
    # (the longer of content and summary, that text as the store keeps it: bot/store/bodies),
    # packed where the feed was parsed for the same reason; None: the store packs it.
    stored_text: tuple[str, str | bytes | None] | None = field(
        default=None, compare=False, repr=False
    )


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
    # (a text, as the store keeps it), from the feed item; used only while it is `text`
    stored_text: tuple[str, str | bytes | None] | None = field(
        default=None, compare=False, repr=False
    )


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
    quote: str | None = None  # a short passage of the article that supports the claim
    compared: bool = True  # False: could not be compared with earlier reports (see `novel`)
    by_reader: bool = False  # known only because a reader said `seen_in` told nothing new


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
    story_title: str | None = None  # the story's name from its parties ("Bartz v. Anthropic")
    earlier: tuple[str, ...] = ()  # where the known claims were first seen, same story only
    language: str = "en"  # ISO 639-1 code of the text's language ("un": unknown)
    parties: tuple[str, ...] = ()  # the parties it is about, by their English names

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
    story_title: str | None = None  # the story's human-readable name
    language: str = "en"  # the article's language (ISO 639-1)
    parties: tuple[str, ...] = ()  # the story's parties by their English names


def alert_to_payload(alert: Alert) -> dict[str, object]:
    """The JSON-ready form of an Alert, as kept in the outbox."""
    return {
        "article_id": alert.article_id,
        "title": alert.title,
        "url": alert.url,
        "source": alert.source,
        "published": alert.published.isoformat() if alert.published else None,
        "category": alert.category,
        "story": alert.story,
        "summary": alert.summary,
        "new_claims": [_claim_payload(c) for c in alert.new_claims],
        "known_claims": [_claim_payload(c) for c in alert.known_claims],
        "earlier": list(alert.earlier),
        "story_title": alert.story_title,
        "language": alert.language,
        "parties": list(alert.parties),
    }


def alert_from_payload(payload: dict[str, object]) -> Alert:
    """Inverse of alert_to_payload."""
    published = payload.get("published")
    return Alert(
        article_id=str(payload["article_id"]),
        title=str(payload.get("title") or ""),
        url=_opt_str(payload.get("url")),
        source=_opt_str(payload.get("source")),
        published=datetime.fromisoformat(published) if isinstance(published, str) else None,
        category=_opt_str(payload.get("category")),
        story=_opt_str(payload.get("story")),
        summary=str(payload.get("summary") or ""),
        new_claims=tuple(_claim_from(c) for c in _dicts(payload.get("new_claims"))),
        known_claims=tuple(_claim_from(c) for c in _dicts(payload.get("known_claims"))),
        earlier=tuple(str(e) for e in _list(payload.get("earlier"))),
        story_title=_opt_str(payload.get("story_title")),
        language=str(payload.get("language") or "en"),
        parties=tuple(str(p) for p in _list(payload.get("parties"))),
    )


def _claim_payload(claim: Claim) -> dict[str, object]:
    return {
        "text": claim.text,
        "novel": claim.novel,
        "seen_in": claim.seen_in,
        "closest": claim.closest,
        "quote": claim.quote,
        "compared": claim.compared,
    }


def _claim_from(data: dict[str, object]) -> Claim:
    return Claim(
        text=str(data.get("text") or ""),
        novel=bool(data.get("novel")),
        seen_in=_opt_str(data.get("seen_in")),
        closest=_opt_str(data.get("closest")),
        quote=_opt_str(data.get("quote")),
        compared=data.get("compared") is not False,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in _list(value) if isinstance(v, dict)]
