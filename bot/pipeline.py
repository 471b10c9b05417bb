"""The one place that knows the order: fetch → parse → new? → analyse → store → outbox.

Each feed's outcome is a FeedResult value; a failing feed never stops the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.errors import FeedError
from bot.feeds.fetch import Fetcher, FetchResult, FetchState
from bot.feeds.fulltext import PageBudget, PageText
from bot.feeds.identity import article_id, canonical_url
from bot.feeds.parse import ParsedFeed
from bot.feeds.schedule import CheckBounds, next_check_after_failure, next_check_after_success
from bot.feeds.workers import FeedParser
from bot.models import Alert, Article, Claim, FeedItem, Verdict, alert_to_payload
from bot.seeds import Seed
from bot.store import Store
from bot.store.batch import BatchWriter
from bot.store.faults import (
    STORE_ERRORS,
    StorageStatus,
    StoreFault,
    describe,
    is_storage_fault,
)
from bot.store.store import iso

log = logging.getLogger(__name__)

STORAGE_RETRY_SECONDS = 10.0  # while the database fails, each feed is tried this often


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
    warning: str | None = None
    next_check_at: datetime | None = None
    notice: str | None = None  # a "failing" / "recovered" notice queued by this poll
    waiting: int = 0  # new items left for a later poll (over the per-poll caps)


@dataclass(frozen=True)
class PollSettings:
    """How the pipeline schedules and reports feeds (from the [polling] config)."""

    default_interval_minutes: int = 30
    bounds: CheckBounds = field(default_factory=CheckBounds)
    failure_notice_after: int = 5
    max_items_per_poll: int = 100  # new items analysed per poll of a feed; the rest wait


class ArticleText(Protocol):
    """Where the text to analyse comes from: the feed, or the article page when allowed."""

    def page_budget(self) -> PageBudget: ...

    async def text_for(
        self, url: str | None, feed_text: str, budget: PageBudget | None = None
    ) -> PageText | None: ...


@dataclass(frozen=True)
class _Pending:
    """A new article on its way to the judge, with the row fields only the store needs."""

    article: Article
    extra: dict[str, Any]


@dataclass(frozen=True)
class _Plan:
    """A poll's new items: those only recorded (first poll), those to judge, and how many
    wait for a later poll (over the items or page-fetch caps)."""

    record: tuple[tuple[str, FeedItem], ...]
    judge: tuple[_Pending, ...]
    waiting: int = 0


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
        settings: PollSettings | None = None,
        parser: FeedParser | None = None,
        article_text: ArticleText | None = None,
        rng: random.Random | None = None,
        storage: StorageStatus | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._judge = judge
        self._destinations = list(destinations)
        self._clock = clock
        self._on_alert = on_alert
        self._settings = settings or PollSettings()
        self._parser = parser or FeedParser()
        self._article_text = article_text
        self._rng = rng or random.Random()
        self._writes = BatchWriter(store)  # one transaction for many polls' writes
        self._storage = storage
        self._deferred: set[str] = set()  # feeds whose poll waits for the database

    # -------------------------------------------------------------- feeds

    async def run_once(self) -> list[FeedResult]:
        """Poll every known feed once, concurrently; one result per feed.

        At most two polls per allowed connection are under way at once, so parsed feeds
        waiting for the database never pile up in memory."""
        feeds = await asyncio.to_thread(self._store.feeds)
        slots = asyncio.Semaphore(2 * self._fetcher.settings.max_connections)

        async def poll(row: dict[str, Any]) -> FeedResult:
            async with slots:
                return await self.poll_feed(row["url"], row)

        return list(await asyncio.gather(*(poll(f) for f in feeds)))

    async def poll_feed(self, url: str, row: dict[str, Any] | None = None) -> FeedResult:
        """Fetch, parse and process one feed. Never raises for a feed's own failures, nor
        for the database's (disk full, corrupt): then the feed is left as it was and tried
        again soon, without fetching while the database is known to be failing.

        `row` is the feed's stored row when the caller has just read it."""
        if self._storage is not None and self._storage.fault is not None:
            return self._waiting_for_storage(url, self._storage.fault)
        try:
            return await self._poll(url, row)
        except Exception as exc:  # a bug must not stop the other feeds or the scheduler
            if is_storage_fault(exc):
                return self._storage_failed(url, exc)
            log.exception("poll failed unexpectedly", extra={"feed": url})
            try:
                feed = await asyncio.to_thread(self._store.get_feed, url)
                if feed is None:
                    return FeedResult(url, ok=False, error=f"internal error: {exc}")
                error = f"internal error: {type(exc).__name__}: {exc}"
                return await self._failed(feed, error, None)
            except STORE_ERRORS as store_exc:  # it cannot even record the failure
                return self._storage_failed(url, store_exc)

    def take_deferred(self) -> list[str]:
        """The feeds whose polls waited for the database since the last call."""
        urls = sorted(self._deferred)
        self._deferred.clear()
        return urls

    def _storage_failed(self, url: str, exc: BaseException) -> FeedResult:
        if self._storage is not None:
            fault = self._storage.failed(exc)
        else:
            fault = describe(exc)
            log.error("%s", fault.line, extra={"feed": url})
        return self._waiting_for_storage(url, fault)

    def _waiting_for_storage(self, url: str, fault: StoreFault) -> FeedResult:
        """The database, not the feed, failed: nothing about the feed is recorded (it could
        not be), and the poll is tried again soon, so recovery needs no long backoff."""
        retry = STORAGE_RETRY_SECONDS * (1 + self._rng.random() / 2)
        self._deferred.add(url)
        return FeedResult(
            url,
            ok=False,
            error=fault.line,
            next_check_at=self._clock() + timedelta(seconds=retry),
        )

    async def _poll(self, url: str, row: dict[str, Any] | None) -> FeedResult:
        feed = row or await asyncio.to_thread(self._store.get_feed, url)
        if feed is None:
            return FeedResult(url, ok=False, error="feed is not in the database")
        started = self._clock()
        state = FetchState(
            url=feed.get("fetch_url") or url,
            etag=feed.get("etag"),
            last_modified=feed.get("last_modified"),
        )
        fetched = await self._fetcher.fetch(state)
        if fetched.permanent_url and fetched.permanent_url != state.url:
            log.warning(
                "feed moved permanently to %s; fetching from there from now on",
                fetched.permanent_url,
                extra={"feed": url},
            )
            moved = {"fetch_url": fetched.permanent_url}
            await self._writes.run(lambda: self._store.update_feed(url, moved))
        if fetched.status == "error":
            return await self._failed(feed, fetched.error or "unknown error", fetched)
        if fetched.status == "not_modified":
            return await self._succeeded(feed, started, fetched, None, status="not_modified")
        digest = hashlib.sha256(fetched.body).hexdigest()
        if digest == feed.get("content_hash") and feed.get("first_poll_done"):
            # The server ignores conditional requests but sent the same bytes: nothing new.
            return await self._succeeded(feed, started, fetched, None, status="unchanged")
        try:
            parsed = await self._parser.parse(
                fetched.body, url=fetched.url, headers=fetched.headers, fetched_at=started
            )
        except FeedError as exc:
            return await self._failed(feed, str(exc), fetched)
        if parsed.warning:
            log.warning(parsed.warning, extra={"feed": url})
        plan = await self._plan_items(feed, parsed.items)
        result = await self._succeeded(
            feed, started, fetched, parsed, status="ok", content_hash=digest, plan=plan
        )
        new, alerts = result.new_articles, result.alerts
        if alerts and self._on_alert:
            self._on_alert()
        log.info(
            "polled: %d items, %d new, %d alerts%s",
            len(parsed.items),
            new,
            alerts,
            f"; {result.waiting} new items wait for a later poll" if result.waiting else "",
            extra={"feed": url},
        )
        return dataclasses.replace(result, items=len(parsed.items))

    async def _failed(
        self, feed: dict[str, Any], error: str, fetched: FetchResult | None
    ) -> FeedResult:
        now = self._clock()
        url = feed["url"]
        failures = int(feed.get("consecutive_failures") or 0) + 1
        next_check = next_check_after_failure(
            now,
            failures=failures,
            interval_minutes=self._interval(feed),
            bounds=self._settings.bounds,
            rng=self._rng,
            retry_after_seconds=fetched.retry_after if fetched else None,
        )
        changes: dict[str, Any] = {
            "last_checked_at": iso(now),
            "last_error": error[:500],
            "last_error_at": iso(now),
            "last_status": "error",
            "consecutive_failures": failures,
            "next_check_at": iso(next_check),
        }
        notice = None
        if failures >= self._settings.failure_notice_after and not feed.get("failing_notified"):
            since = feed.get("last_success_at")
            notice = (
                f"Feed {_feed_label(feed)} is failing: {failures} checks in a row went wrong"
                f" (last error: {error[:200]})."
                + (f" Last good check: {since[:16].replace('T', ' ')} UTC." if since else "")
                + f" It keeps being retried; next try {next_check:%Y-%m-%d %H:%M} UTC."
            )
            changes["failing_notified"] = 1
        await self._writes.run(lambda: self._save_state(url, changes, notice, now))
        log.warning(
            "feed failed (%d in a row): %s; next check %s",
            failures,
            error,
            next_check.isoformat(timespec="minutes"),
            extra={"feed": url},
        )
        return FeedResult(url, ok=False, error=error, next_check_at=next_check, notice=notice)

    async def _succeeded(
        self,
        feed: dict[str, Any],
        now: datetime,
        fetched: FetchResult,
        parsed: ParsedFeed | None,
        *,
        status: str,
        content_hash: str | None = None,
        plan: _Plan | None = None,
    ) -> FeedResult:
        """Record a good poll: the feed's new articles (`plan`) and its state, together."""
        url = feed["url"]
        next_check = next_check_after_success(
            now,
            interval_minutes=self._interval(feed),
            bounds=self._settings.bounds,
            headers=fetched.headers,
            ttl_minutes=parsed.ttl_minutes if parsed else None,
            retry_after_seconds=fetched.retry_after,
        )
        changes: dict[str, Any] = {
            "last_checked_at": iso(now),
            "last_success_at": iso(now),
            "last_status": status,
            "consecutive_failures": 0,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "next_check_at": iso(next_check),
            "failing_notified": 0,
        }
        if parsed is not None:
            changes["last_warning"] = parsed.warning[:500] if parsed.warning else None
            changes["first_poll_done"] = 1
            changes["content_hash"] = content_hash
            if parsed.title:
                changes["title"] = parsed.title
        if plan is not None and plan.waiting:
            # Items wait for a later poll: fetch and parse in full next time, so they are
            # seen again even if the feed does not change.
            changes.update(etag=None, last_modified=None, content_hash=None)
        notice = None
        if feed.get("failing_notified"):
            notice = f"Feed {_feed_label(feed)} has recovered and is being read again."
        new, alerts = await self._writes.run(
            lambda: self._save_state(url, changes, notice, now, feed, plan)
        )
        if status != "ok":
            log.debug("%s", status.replace("_", " "), extra={"feed": url})
        return FeedResult(
            url,
            ok=True,
            not_modified=status != "ok",
            new_articles=new,
            alerts=alerts,
            next_check_at=next_check,
            warning=parsed.warning if parsed else None,
            notice=notice,
            waiting=plan.waiting if plan else 0,
        )

    def _save_state(
        self,
        url: str,
        changes: dict[str, Any],
        notice: str | None,
        now: datetime,
        feed: dict[str, Any] | None = None,
        plan: _Plan | None = None,
    ) -> tuple[int, int]:
        """One transaction: the poll's articles (if any), the feed's state, a notice."""
        counts = (0, 0)
        with self._store.transaction():
            if plan is not None and feed is not None and (plan.record or plan.judge):
                counts = self._store_items(feed, plan.record, plan.judge)
            self._store.update_feed(url, changes)
            if notice:
                for destination in self._destinations:
                    self._store.enqueue(
                        kind="notice", destination=destination, payload={"text": notice}, now=now
                    )
        return counts

    def _interval(self, feed: dict[str, Any]) -> int:
        return int(feed.get("interval_minutes") or self._settings.default_interval_minutes)

    async def _plan_items(self, feed: dict[str, Any], items: Sequence[FeedItem]) -> _Plan:
        """Which items are new, which to record and which to judge (with their text)."""
        fresh = await self._writes.run(lambda: self._fresh_items(feed, items))
        if not fresh:
            return _Plan((), ())
        first_poll = not feed.get("first_poll_done")
        backfill = int(feed.get("backfill") or 0)
        to_judge = fresh if not first_poll else fresh[:backfill]
        to_record = [] if not first_poll else fresh[backfill:]
        # Caps per poll: a feed of 10,000 new teasers is worked off over several polls
        # instead of making 10,000 page requests in one.
        taken = to_judge[: self._settings.max_items_per_poll]
        waiting = len(to_judge) - len(taken)
        budget = self._article_text.page_budget() if self._article_text else None
        pending: list[_Pending] = []
        for aid, item in taken:
            with_text = await self._with_text(aid, item, feed, budget)
            if with_text is None:  # its page is wanted, but this poll's budget is spent
                waiting += 1
            else:
                pending.append(with_text)
        return _Plan(tuple(to_record), tuple(pending), waiting)

    def _fresh_items(
        self, feed: dict[str, Any], items: Sequence[FeedItem]
    ) -> list[tuple[str, FeedItem]]:
        """New items, newest first, each once; known ones are found by id, by guid in this
        feed, or by canonical link in any feed."""
        url = feed["url"]
        guid_counts = Counter(item.guid for item in items if item.guid)
        keyed = [
            (article_id(item, url, use_guid=guid_counts[item.guid or ""] == 1), item)
            for item in items
        ]
        known_ids, known_urls, known_guids = self._store.known_items(
            url,
            [aid for aid, _ in keyed],
            [canonical_url(i.link) for _, i in keyed if i.link],
            [i.guid for _, i in keyed if i.guid],
        )
        fresh: dict[str, FeedItem] = {}
        seen_urls: set[str] = set()
        for aid, item in keyed:
            link = canonical_url(item.link) if item.link else None
            if aid in known_ids or aid in fresh or (link and link in known_urls | seen_urls):
                continue
            if item.guid and guid_counts[item.guid] == 1 and item.guid in known_guids:
                continue
            fresh[aid] = item
            if link:
                seen_urls.add(link)
        # Newest first, so a backfill analyses the newest N.
        return sorted(fresh.items(), key=lambda pair: pair[1].published, reverse=True)

    async def _with_text(
        self, aid: str, item: FeedItem, feed: dict[str, Any], budget: PageBudget | None
    ) -> _Pending | None:
        article = _article(aid, item, feed)
        extra: dict[str, Any] = {"guid": item.guid, "text_source": "feed"}
        if self._article_text is None:
            return _Pending(article, extra)
        page = await self._article_text.text_for(item.link, article.text, budget)
        if page is None:
            return None
        extra.update(text_source=page.source, text_note=page.note)
        return _Pending(dataclasses.replace(article, text=page.text), extra)

    def _store_items(
        self,
        feed: dict[str, Any],
        to_record: Sequence[tuple[str, FeedItem]],
        to_judge: Sequence[_Pending],
    ) -> tuple[int, int]:
        """Write a feed's new articles, the judged ones with verdicts and alerts;
        returns how many were stored and how many alerts were queued."""
        now = self._clock()
        # Another feed may have stored the same link while we fetched article pages.
        candidates = [p.article for p in to_judge] + [
            _article(aid, item, feed) for aid, item in to_record
        ]
        ids, known_urls, _ = self._store.known_items(
            feed["url"], [a.id for a in candidates], [a.url for a in candidates if a.url], []
        )

        def still_new(article: Article) -> bool:
            return article.id not in ids and article.url not in known_urls

        to_judge = [p for p in to_judge if still_new(p.article)]
        to_record = [(aid, item) for aid, item in to_record if still_new(_article(aid, item, feed))]
        rows = [
            {
                **_article_row(_article(aid, item, feed), now),
                "guid": item.guid,
                "status": "recorded",
                "reason": "already in the feed when it was added (first poll records, no alert)",
                "text_source": "feed",
            }
            for aid, item in to_record
        ]
        judged: list[tuple[_Pending, Verdict]] = []
        for pending in to_judge:
            try:
                judged.append((pending, self._judge.judge(pending.article)))
            except Exception as exc:  # one article must not stop the feed
                log.exception("analysis failed", extra={"feed": feed["url"]})
                rows.append(
                    {
                        **_article_row(pending.article, now),
                        **pending.extra,
                        "status": "error",
                        "reason": f"analysis failed: {type(exc).__name__}: {exc}"[:500],
                    }
                )
        alerts = 0
        # One transaction per feed poll: its articles, claims and alerts land together.
        with self._store.transaction():
            rows.extend(verdict_row(p.article, v, now, p.extra) for p, v in judged)
            if rows:
                self._store.save_articles(rows)
            for pending, verdict in judged:
                alerts += self._queue(pending.article, verdict, now)
        return len(rows), alerts

    def _queue(self, article: Article, verdict: Verdict, now: datetime) -> bool:
        """Store the claims and, when the verdict deserves one, queue an alert per destination
        (inside the caller's transaction, after the article row is written)."""
        if verdict.claims:
            self._store.save_claims(article.id, claim_rows(verdict, article.published))
        alert = verdict.relevant and verdict.novel
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


def verdict_row(
    article: Article, verdict: Verdict, now: datetime, extra: dict[str, Any]
) -> dict[str, Any]:
    alert = verdict.relevant and verdict.novel
    status = "alerted" if alert else ("nothing_new" if verdict.relevant else "not_relevant")
    return {
        **_article_row(article, now),
        **extra,
        "status": status,
        "reason": verdict.reason,
        "relevant": int(verdict.relevant),
        "relevance": verdict.relevance,
        "category": verdict.category,
        "story_id": verdict.story,
        "duplicate_of": verdict.duplicate_of,
        "verdict": verdict_json(verdict),
    }


def record_seeds(store: Store, judge: Judge, seeds: Sequence[Seed], now: datetime) -> int:
    """Store seed articles and their claims once (a restart adds nothing); returns how many."""
    added = 0
    for seed in seeds:
        if store.has_article(seed.id):
            continue
        with store.transaction():  # the analysis's memory of the seed commits with it
            verdict = judge.judge_seed(seed)
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
            store.save_claims(seed.id, claim_rows(verdict, seed.published))
        added += 1
    return added


def verdict_json(verdict: Verdict) -> str:
    """The whole Verdict as JSON (the same keys as dataclasses.asdict, built without its
    deep copies: a cold poll serialises thousands of verdicts)."""
    data = {f.name: getattr(verdict, f.name) for f in fields(Verdict)}
    data["claims"] = [{f.name: getattr(c, f.name) for f in fields(Claim)} for c in verdict.claims]
    return json.dumps(data, ensure_ascii=False)


def claim_rows(verdict: Verdict, published: datetime | None) -> list[dict[str, Any]]:
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


def _feed_label(feed: dict[str, Any]) -> str:
    name = feed.get("name") or feed.get("title")
    return f"{name} ({feed['url']})" if name else str(feed["url"])


def _alert(article: Article, verdict: Verdict) -> Alert:
    known = tuple(c for c in verdict.claims if not c.novel)
    # earlier coverage of this story only (a known fact may come from another story that
    # names the same parties in passing)
    earlier = verdict.earlier
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
        story_title=verdict.story_title,
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
