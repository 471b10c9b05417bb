"""The one commit of a poll: feed state, new articles, their claims and analysis records,
and the outbox rows, written together or not at all.

The pipeline decides everything beforehand (bot.feeds.state, the analysis, bot.store.rows);
`commit_poll` only writes it. Nothing slow runs while it holds the write lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.analysis.memory import MemoryRecord
from bot.models import FeedState
from bot.store.analysis_index import AnalysisIndexMixin
from bot.store.articles import ArticlesMixin
from bot.store.feeds import FeedsMixin
from bot.store.outbox import OutboxMixin
from bot.store.routes import RoutesMixin


@dataclass(frozen=True)
class Message:
    """One outbox row to queue: an alert (with its article) or a notice; or, kind "held",
    an alert a digest route (named by `destination`) holds until its time."""

    kind: str
    destination: str
    payload: dict[str, Any]
    article_id: str | None = None


@dataclass(frozen=True)
class ArticleWrite:
    """A new article as it is to be kept, with what comes with it."""

    row: dict[str, Any]  # bot.store.rows
    claims: tuple[dict[str, Any], ...] = ()
    record: MemoryRecord | None = None  # what later analyses find
    messages: tuple[Message, ...] = ()  # its alerts, one per destination
    alerted: bool = False  # the verdict deserves an alert

    @property
    def article_id(self) -> str:
        return str(self.row["id"])

    @property
    def url(self) -> str | None:
        return self.row.get("url")


@dataclass(frozen=True)
class PollWrite:
    """Everything one poll of one feed writes."""

    feed_url: str
    now: datetime
    state: FeedState | None = None  # None: the feed's state stays (the database failed)
    title: str | None = None
    articles: tuple[ArticleWrite, ...] = ()
    messages: tuple[Message, ...] = ()  # notices about the feed


@dataclass(frozen=True)
class PollCommitted:
    """What a commit wrote: articles stored, alerts queued, and which articles were dropped
    because another feed stored them first."""

    stored: int = 0
    alerts: int = 0
    dropped: tuple[str, ...] = field(default=())


class PollsMixin(FeedsMixin, ArticlesMixin, RoutesMixin, OutboxMixin, AnalysisIndexMixin):
    """Writes a poll's outcome in one transaction."""

    def commit_poll(
        self, write: PollWrite, after: Callable[[Sequence[str]], None] | None = None
    ) -> PollCommitted:
        """Write `write` in one transaction (a savepoint inside a batch). Articles another
        feed stored meanwhile are dropped, so nothing is stored or alerted twice.
        `after(article_ids)` runs inside the transaction, after the writes (or when they
        fail): the caller forgets what it held pending, in step with the commit."""
        ids = [a.article_id for a in write.articles]
        try:
            with self.transaction():
                committed = self._write_poll(write)
                if after is not None:
                    after(ids)
            return committed
        except BaseException:
            if after is not None:
                after(ids)
            raise

    def _write_poll(self, write: PollWrite) -> PollCommitted:
        articles = list(write.articles)
        dropped: list[str] = []
        if articles:
            known_ids, known_urls, _ = self.known_items(
                write.feed_url,
                [a.article_id for a in articles],
                [u for a in articles if (u := a.url)],
                [],
            )
            keep = [
                a for a in articles if a.article_id not in known_ids and a.url not in known_urls
            ]
            kept = {a.article_id for a in keep}
            dropped = [a.article_id for a in articles if a.article_id not in kept]
            articles = keep
        alerts = self.write_articles(articles, write.now)
        if write.state is not None:
            self.save_feed_state(write.feed_url, write.state, write.title)
        for message in write.messages:
            self._queue(message, write.now)
        return PollCommitted(len(articles), alerts, tuple(dropped))

    def write_articles(self, articles: Sequence[ArticleWrite], now: datetime) -> int:
        """Keep these articles with their claims, analysis records and alerts (inside the
        caller's transaction, or in one of its own); returns how many alerts were queued."""
        alerts = 0
        with self.transaction():
            if articles:
                self.save_articles([a.row for a in articles])
            for article in articles:
                if article.claims:
                    self.save_claims(article.article_id, article.claims)
                if article.record is not None:
                    self.remember_analysis(article.record)
                for message in article.messages:
                    self._queue(message, now)
                alerts += article.alerted
        return alerts

    def _queue(self, message: Message, now: datetime) -> None:
        if message.kind == "held":
            self.hold(message.destination, message.article_id or "", message.payload, now)
            return
        self.enqueue(
            kind=message.kind,
            destination=message.destination,
            payload=message.payload,
            now=now,
            article_id=message.article_id,
        )
