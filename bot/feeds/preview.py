"""A feed's dry run: fetch it now and judge its newest items as a poll would, storing and
posting nothing (`feeds preview`, `/news feeds preview`).

The items are looked up and analysed exactly as the pipeline does (bot.feeds.new_items,
the analysis over the store plus an in-memory overlay of what this preview assessed), but
the overlay is dropped at the end and no write reaches the store. Seeds the store does not
hold yet (a database that never ran) are assessed into the same overlay first.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.alerts import deserves_alert
from bot.errors import FeedError
from bot.feeds.fetch import Fetcher, FetchState
from bot.feeds.fulltext import ArticleText
from bot.feeds.new_items import article_of, fresh_items
from bot.feeds.parse_pool import FeedParser
from bot.models import Article, Feed, FeedItem
from bot.seeds import Seed
from bot.store import Store
from bot.store.known import KnownToStore, PendingRecords

if TYPE_CHECKING:
    from bot.pipeline import ArticleAssessor


Outcome = Literal["alert", "nothing_new", "not_relevant", "seen"]


class PreviewFailed(FeedError):
    """The feed could not be fetched or read; the message says why."""


@dataclass(frozen=True)
class PreviewItem:
    """One item of the preview and what a poll would do with it now."""

    title: str
    url: str | None
    outcome: Outcome
    new_claims: tuple[str, ...] = ()
    summary: str = ""
    story: str | None = None


@dataclass(frozen=True)
class FeedPreview:
    url: str  # where the feed answered (after permanent redirects)
    title: str
    items: int  # in the feed now
    watched: bool
    shown: tuple[PreviewItem, ...]  # the newest ones, newest first

    @property
    def would_post(self) -> int:
        return sum(1 for i in self.shown if i.outcome == "alert")


# Preview a feed: (url, how many of its newest items) -> what a poll would make of them.
FeedPreviewer = Callable[[str, int], Awaitable[FeedPreview]]


def web_preview(
    fetcher: Fetcher,
    parser: FeedParser,
    assessor: ArticleAssessor,
    store: Store,
    clock: Callable[[], datetime],
    *,
    article_text: ArticleText | None = None,
    seeds: Sequence[Seed] = (),
) -> FeedPreviewer:
    """The real preview over the web and the store (read only)."""

    async def preview(url: str, count: int) -> FeedPreview:
        watched = await asyncio.to_thread(store.find_feed, url)
        where = (watched.state.fetch_url or watched.url) if watched else url
        fetched = await fetcher.fetch(FetchState(where))
        if fetched.status != "ok":
            raise PreviewFailed(f"could not fetch {url}: {fetched.error or 'not modified'}")
        now = clock()
        try:
            parsed = await parser.parse(
                fetched.body, url=fetched.url, headers=fetched.headers, fetched_at=now
            )
        except FeedError as exc:
            raise PreviewFailed(f"{url} is not a feed ({exc})") from None
        feed = watched or Feed(url=fetched.permanent_url or url, title=parsed.title)
        newest = sorted(parsed.items, key=lambda i: i.published, reverse=True)[:count]
        fresh = await asyncio.to_thread(fresh_items, feed, newest, store.known_items)
        texts: dict[str, Article] = {}
        budget = article_text.page_budget() if article_text else None
        for aid, item in fresh:
            article = article_of(aid, item, feed)
            if article_text is not None:
                page = await article_text.text_for(item.link, article.text, budget)
                if page is not None:
                    article = dataclasses.replace(article, text=page.text)
            texts[aid] = article
        judged = await asyncio.to_thread(_judge, assessor, store, seeds, texts)
        by_item = {id(item): aid for aid, item in fresh}
        shown = tuple(judged.get(by_item.get(id(item), ""), _seen(item)) for item in newest)
        return FeedPreview(
            fetched.permanent_url or url, parsed.title, len(parsed.items), bool(watched), shown
        )

    return preview


def _judge(
    assessor: ArticleAssessor,
    store: Store,
    seeds: Sequence[Seed],
    articles: dict[str, Article],
) -> dict[str, PreviewItem]:
    """Assess each article against the store plus this preview's overlay (never stored)."""
    overlay = PendingRecords()
    known = KnownToStore(store, overlay)
    for seed in seeds:
        if not store.has_article(seed.id):
            overlay.add(seed.id, None, assessor.assess_seed(seed, known).record)
    out: dict[str, PreviewItem] = {}
    for aid, article in articles.items():
        assessment = assessor.assess(article, known)
        overlay.add(article.id, article.url, assessment.record)
        verdict = assessment.verdict
        if not verdict.relevant:
            outcome: Outcome = "not_relevant"
        elif deserves_alert(verdict):
            outcome = "alert"
        else:
            outcome = "nothing_new"
        out[aid] = PreviewItem(
            title=article.title,
            url=article.url,
            outcome=outcome,
            new_claims=tuple(c.text for c in verdict.new_claims) if outcome == "alert" else (),
            summary=verdict.summary,
            story=verdict.story_title or verdict.story,
        )
    return out


def _seen(item: FeedItem) -> PreviewItem:
    return PreviewItem(title=item.title, url=item.link, outcome="seen")
