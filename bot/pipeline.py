"""The one place that knows the order: fetch → parse → new? → analyse → store → outbox.

Each feed's outcome is a FeedResult value; a failing feed never stops the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot.errors import FeedError
from bot.feeds.fetch import Fetcher, FetchState
from bot.feeds.identity import article_id, canonical_url
from bot.feeds.parse import parse_feed
from bot.models import Alert, Article, Claim, FeedItem, Verdict, alert_to_payload
from bot.seeds import Seed
from bot.store import Store
from bot.store.store import iso

log = logging.getLogger(__name__)


class Judge(Protocol):
    """The analysis as the pipeline sees it (implemented in bot.analysis)."""

    def judge(self, article: Article) -> Verdict: ...

    def judge_seed(self, seed: Seed) -> Verdict: ...


@dataclass(frozen=True)
class FeedResult:
    """What one poll of one feed did."""

    url: str
    ok: bool
    not_modified: bool = False
    items: int = 0
    new_articles: int = 0
    alerts: int = 0
    error: str | None = None


class Pipeline:
    """Polls feeds and turns new items into stored verdicts and queued alerts."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        judge: Judge,
        destinations: Sequence[str],
        clock: Callable[[], datetime],
        *,
        on_alert: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._judge = judge
        self._destinations = list(destinations)
        self._clock = clock
        self._on_alert = on_alert
        self._write_lock = asyncio.Lock()

    # -------------------------------------------------------------- feeds

    async def run_once(self) -> list[FeedResult]:
        """Poll every known feed once, concurrently; one result per feed."""
        feeds = await asyncio.to_thread(self._store.feeds)
        return list(await asyncio.gather(*(self.poll_feed(f["url"]) for f in feeds)))

    async def poll_feed(self, url: str) -> FeedResult:
        """Fetch, parse and process one feed. Never raises for a feed's own failures."""
        feed = await asyncio.to_thread(self._store.get_feed, url)
        if feed is None:
            return FeedResult(url, ok=False, error="feed is not in the database")
        started = self._clock()
        state = FetchState(url=url, etag=feed.get("etag"), last_modified=feed.get("last_modified"))
        fetched = await self._fetcher.fetch(state)
        if fetched.status == "error":
            return await self._failed(feed, fetched.error or "unknown error", started)
        if fetched.status == "not_modified":
            await self._succeeded(url, started, fetched.etag, fetched.last_modified)
            log.debug("not modified", extra={"feed": url})
            return FeedResult(url, ok=True, not_modified=True)
        try:
            parsed = await asyncio.to_thread(
                parse_feed,
                fetched.body,
                url=fetched.url,
                headers=fetched.headers,
                fetched_at=started,
            )
        except FeedError as exc:
            return await self._failed(feed, str(exc), started)
        if parsed.warning:
            log.warning(parsed.warning, extra={"feed": url})
        async with self._write_lock:
            new, alerts = await asyncio.to_thread(self._process_items, feed, parsed.items)
            await self._succeeded(url, started, fetched.etag, fetched.last_modified)
        if alerts and self._on_alert:
            self._on_alert()
        log.info(
            "polled: %d items, %d new, %d alerts",
            len(parsed.items),
            new,
            alerts,
            extra={"feed": url},
        )
        return FeedResult(url, ok=True, items=len(parsed.items), new_articles=new, alerts=alerts)

    async def _failed(self, feed: dict[str, Any], error: str, now: datetime) -> FeedResult:
        failures = int(feed.get("consecutive_failures") or 0) + 1
        await asyncio.to_thread(
            self._store.update_feed,
            feed["url"],
            {
                "last_checked_at": iso(now),
                "last_error": error,
                "last_error_at": iso(now),
                "consecutive_failures": failures,
            },
        )
        log.warning("feed failed (%d in a row): %s", failures, error, extra={"feed": feed["url"]})
        return FeedResult(feed["url"], ok=False, error=error)

    async def _succeeded(
        self, url: str, now: datetime, etag: str | None, last_modified: str | None
    ) -> None:
        await asyncio.to_thread(
            self._store.update_feed,
            url,
            {
                "last_checked_at": iso(now),
                "last_success_at": iso(now),
                "consecutive_failures": 0,
                "etag": etag,
                "last_modified": last_modified,
                "first_poll_done": 1,
            },
        )

    def _process_items(self, feed: dict[str, Any], items: Sequence[FeedItem]) -> tuple[int, int]:
        """Store every new item; analyse and queue alerts for those that deserve one."""
        url = feed["url"]
        first_poll = not feed.get("first_poll_done")
        backfill = int(feed.get("backfill") or 0)
        fresh = [
            (article_id(item, url), item)
            for item in items
            if not self._already_known(article_id(item, url), item)
        ]
        # Newest first, so a backfill analyses the newest N.
        fresh.sort(key=lambda pair: pair[1].published, reverse=True)
        alerts = 0
        for index, (aid, item) in enumerate(fresh):
            article = _article(aid, item, feed)
            if first_poll and index >= backfill:
                self._record_unjudged(article)
                continue
            verdict = self._judge.judge(article)
            if self._record(article, verdict):
                alerts += 1
        return len(fresh), alerts

    def _already_known(self, aid: str, item: FeedItem) -> bool:
        if self._store.has_article(aid):
            return True
        return bool(item.link and self._store.find_article_by_url(canonical_url(item.link)))

    def _record_unjudged(self, article: Article) -> None:
        self._store.save_article(
            {
                **_article_row(article, self._clock()),
                "status": "recorded",
                "reason": "already in the feed when it was added (first poll records, no alert)",
            }
        )

    def _record(self, article: Article, verdict: Verdict) -> bool:
        """Store the verdict and, when it deserves one, queue an alert per destination."""
        alert = verdict.relevant and verdict.novel
        status = "alerted" if alert else ("nothing_new" if verdict.relevant else "not_relevant")
        now = self._clock()
        with self._store.transaction():
            self._store.save_article(
                {
                    **_article_row(article, now),
                    "status": status,
                    "reason": verdict.reason,
                    "relevant": int(verdict.relevant),
                    "relevance": verdict.relevance,
                    "category": verdict.category,
                    "story_id": verdict.story,
                    "duplicate_of": verdict.duplicate_of,
                    "verdict": verdict_json(verdict),
                }
            )
            self._store.save_claims(article.id, _claim_rows(verdict, article.published))
            if alert:
                payload = alert_to_payload(_alert(article, verdict))
                for destination in self._destinations:
                    self._store.enqueue(
                        kind="alert",
                        article_id=article.id,
                        destination=destination,
                        payload=payload,
                        now=now,
                    )
        return alert


def record_seeds(store: Store, judge: Judge, seeds: Sequence[Seed], now: datetime) -> int:
    """Store seed articles and their claims once (a restart adds nothing); returns how many."""
    added = 0
    for seed in seeds:
        if store.has_article(seed.id):
            continue
        verdict = judge.judge_seed(seed)
        with store.transaction():
            store.save_article(
                {
                    "id": seed.id,
                    "kind": "seed",
                    "url": seed.url,
                    "title": seed.title,
                    "source": seed.publisher or "seed corpus",
                    "published": iso(seed.published),
                    "seen_at": iso(now),
                    "body": seed.text,
                    "status": "seed",
                    "reason": "part of the seed corpus",
                    "relevant": 1,
                    "relevance": verdict.relevance,
                    "category": verdict.category,
                    "story_id": verdict.story,
                    "verdict": verdict_json(verdict),
                }
            )
            store.save_claims(seed.id, _claim_rows(verdict, seed.published))
        added += 1
    return added


def verdict_json(verdict: Verdict) -> str:
    return json.dumps(asdict(verdict), ensure_ascii=False)


def _claim_rows(verdict: Verdict, published: datetime | None) -> list[dict[str, Any]]:
    return [
        {
            "text": c.text,
            "entities": c.entities,
            "numbers": c.numbers,
            "novel": c.novel,
            "seen_in": c.seen_in,
            "published": iso(published),
            "story_id": verdict.story,
        }
        for c in verdict.claims
    ]


def _article(aid: str, item: FeedItem, feed: dict[str, Any]) -> Article:
    text = item.content if len(item.content) > len(item.summary) else item.summary
    return Article(
        id=aid,
        title=item.title,
        url=canonical_url(item.link) if item.link else None,
        source=feed.get("name") or feed.get("title") or feed["url"],
        published=item.published,
        text=text,
        feed_url=feed["url"],
    )


def _article_row(article: Article, now: datetime) -> dict[str, Any]:
    return {
        "id": article.id,
        "kind": "feed",
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "published": iso(article.published),
        "seen_at": iso(now),
        "feed_url": article.feed_url,
        "body": article.text,
    }


def _alert(article: Article, verdict: Verdict) -> Alert:
    known = tuple(c for c in verdict.claims if not c.novel)
    earlier = tuple(dict.fromkeys(c.seen_in for c in known if c.seen_in))
    return Alert(
        article_id=article.id,
        title=article.title,
        url=article.url,
        source=article.source,
        published=article.published,
        category=verdict.category,
        story=verdict.story,
        summary=verdict.summary,
        new_claims=tuple(_with_quote(c, article.text) for c in verdict.new_claims),
        known_claims=known,
        earlier=earlier,
    )


# ---------------------------------------------------------------- chat: supporting quotes

_QUOTE_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")
_QUOTE_WORD = re.compile(r"\w+")
QUOTE_CHARS = 220


def _with_quote(claim: Claim, body: str) -> Claim:
    """The claim with a short supporting passage from the article, when the analysis gave none."""
    if claim.quote or not body:
        return claim
    quote = supporting_quote(claim.text, body)
    return replace(claim, quote=quote) if quote else claim


def supporting_quote(claim: str, body: str) -> str | None:
    """The article sentence sharing the most words with the claim (None when none shares half)."""
    wanted = {w.lower() for w in _QUOTE_WORD.findall(claim) if len(w) > 2}
    if not wanted:
        return None
    best, best_score = "", 0.0
    for sentence in _QUOTE_SENTENCE.split(body[:200_000]):
        words = {w.lower() for w in _QUOTE_WORD.findall(sentence) if len(w) > 2}
        score = len(wanted & words) / len(wanted)
        if score > best_score:
            best, best_score = sentence.strip(), score
    if best_score < 0.5:
        return None
    best = " ".join(best.split())
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 1].rstrip() + "…"
