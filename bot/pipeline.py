"""The one place that knows the order: fetch → parse → new? → assess → one commit.

Each step decides and returns a value (feeds/state.py, feeds/new_items.py, the analysis,
store/rows.py); the pipeline carries the values out. The analysis runs outside any write
transaction, one article at a time, against the store plus this batch's uncommitted records
(store/known.py); one store call then commits the poll. A failing feed is a FeedResult value.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.alerts import unmuted
from bot.analysis.assess import Assessment
from bot.analysis.memory import Memory
from bot.errors import FeedError
from bot.feeds.fetch import Fetcher, FetchResult, FetchState
from bot.feeds.fulltext import ArticleText, PageBudget
from bot.feeds.new_items import NewArticle, NewItems, article_of, fresh_items, split_new
from bot.feeds.parse import ParsedFeed
from bot.feeds.parse_pool import FeedParser
from bot.feeds.state import PollSettings, Transition, after_failure, after_move, after_success
from bot.models import Article, Feed, FeedItem
from bot.routes import Route
from bot.seeds import Seed
from bot.store import Store
from bot.store.batch import BatchWriter
from bot.store.faults import STORE_ERRORS, StorageStatus, StoreFault, describe, is_storage_fault
from bot.store.known import KnownToStore, PendingRecords
from bot.store.polls import ArticleWrite, Message, PollCommitted, PollWrite
from bot.store.rows import assessed_write, claim_rows, failed_row, recorded_row, seed_row

log = logging.getLogger(__name__)

STORAGE_RETRY_SECONDS = 10.0  # while the database fails, each feed is tried this often


class ArticleAssessor(Protocol):
    """The analysis as the pipeline sees it (bot.analysis.assess.AnalysisAssessor): it
    looks things up in `known` and returns its decision; it keeps nothing itself."""

    def assess(self, article: Article, known: Memory) -> Assessment: ...

    def assess_seed(self, seed: Seed, known: Memory) -> Assessment: ...


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
    first_poll: bool = False  # the feed's first successful poll (bot/first_poll.py)
    recorded: int = 0  # items stored without analysis or alert (a first poll's)
    host_not_found: bool = False  # failed because its host name did not resolve


class Pipeline:
    """Polls feeds and turns new items into stored verdicts and queued alerts."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        assessor: ArticleAssessor,
        destinations: Sequence[str],
        clock: Callable[[], datetime],
        *,
        on_alert: Callable[[], None] | None = None,
        settings: PollSettings | None = None,
        parser: FeedParser | None = None,
        article_text: ArticleText | None = None,
        rng: random.Random | None = None,
        storage: StorageStatus | None = None,
        routes: Callable[[], Sequence[Route]] | None = None,
    ) -> None:
        self._store = store
        self._routes = routes or (lambda: ())  # the routes as they are now (config, chat)
        self._fetcher = fetcher
        self._assessor = assessor
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
        self._pending = PendingRecords()  # assessed, not committed yet
        self._known = KnownToStore(store, self._pending)
        self._assessing = asyncio.Lock()  # one analysis at a time

    async def run_once(self) -> list[FeedResult]:
        """Poll every known feed once (paused ones excepted), concurrently; one result per
        feed, in the feeds' order.

        Two polls per allowed connection are under way at once, each worker taking the
        next feed when its poll ends: parsed feeds waiting for the database never pile up
        in memory, and 10,000 feeds cost no more tasks than 100."""
        feeds = [f for f in await asyncio.to_thread(self._store.feeds) if not f.paused]
        results: list[FeedResult | None] = [None] * len(feeds)
        queue = iter(enumerate(feeds))  # shared by the workers: one event loop, no lock

        async def worker() -> None:
            for index, feed in queue:
                results[index] = await self.poll_feed(feed.url, feed)

        workers = min(len(feeds), 2 * self._fetcher.settings.max_connections)
        await asyncio.gather(*(worker() for _ in range(workers)))
        return [r for r in results if r is not None]

    async def poll_feed(self, url: str, feed: Feed | None = None) -> FeedResult:
        """Fetch, parse and process one feed. Never raises for a feed's own failures, nor
        for the database's (disk full, corrupt): then the feed is left as it was and tried
        again soon, without fetching while the database is known to be failing.

        `feed` is the feed as stored when the caller has just read it."""
        if self._storage is not None and self._storage.fault is not None:
            return self._waiting_for_storage(url, self._storage.fault)
        try:
            return await self._poll(url, feed)
        except Exception as exc:  # a bug must not stop the other feeds or the scheduler
            if is_storage_fault(exc):
                return self._storage_failed(url, exc)
            log.exception("poll failed unexpectedly", extra={"feed": url})
            try:
                stored = await asyncio.to_thread(self._store.get_feed, url)
                if stored is None:
                    return FeedResult(url, ok=False, error=f"internal error: {exc}")
                error = f"internal error: {type(exc).__name__}: {exc}"
                return await self._failed(stored, error, None)
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
        retry = timedelta(seconds=STORAGE_RETRY_SECONDS * (1 + self._rng.random() / 2))
        self._deferred.add(url)
        return FeedResult(url, ok=False, error=fault.line, next_check_at=self._clock() + retry)

    async def _poll(self, url: str, feed: Feed | None) -> FeedResult:
        if feed is None:  # read with the other polls' database work: one thread hop for all
            feed = await self._writes.read(lambda: self._store.get_feed(url))
        if feed is None:
            return FeedResult(url, ok=False, error="feed is not in the database")
        if feed.paused:  # paused after its job was due: not fetched, not rescheduled
            return FeedResult(url, ok=True, not_modified=True)
        started = self._clock()
        state = FetchState(
            url=feed.state.fetch_url or url,
            etag=feed.state.etag,
            last_modified=feed.state.last_modified,
        )
        fetched = await self._fetcher.fetch(state)
        if fetched.permanent_url and fetched.permanent_url != state.url:
            log.warning(
                "feed moved permanently to %s; fetching from there from now on",
                fetched.permanent_url,
                extra={"feed": url},
            )
            feed = dataclasses.replace(feed, state=after_move(feed.state, fetched.permanent_url))
        if fetched.status == "error":
            return await self._failed(feed, fetched.error or "unknown error", fetched)
        if fetched.status == "not_modified":
            return await self._succeeded(feed, started, fetched, None, status="not_modified")
        digest = hashlib.sha256(fetched.body).hexdigest()
        if digest == feed.state.content_hash and feed.state.first_poll_done:
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
        assessed: list[str] = []  # ids held pending by this poll
        try:
            articles = await self._assess(feed, plan, assessed)
            result = await self._succeeded(
                feed, started, fetched, parsed, status="ok", content_hash=digest,
                plan=plan, articles=articles,
            )  # fmt: skip
        finally:
            self._pending.discard(assessed)
        if result.alerts and self._on_alert:
            self._on_alert()
        log.info(
            "polled: %d items, %d new, %d alerts%s",
            len(parsed.items),
            result.new_articles,
            result.alerts,
            f"; {result.waiting} new items wait for a later poll" if result.waiting else "",
            extra={"feed": url},
        )
        return dataclasses.replace(
            result,
            items=len(parsed.items),
            first_poll=not feed.state.first_poll_done,
            recorded=len(plan.record),
        )

    async def _failed(self, feed: Feed, error: str, fetched: FetchResult | None) -> FeedResult:
        now = self._clock()
        change = after_failure(
            feed,
            error,
            now,
            self._settings,
            self._rng,
            retry_after=fetched.retry_after if fetched else None,
        )
        await self._commit(PollWrite(feed.url, now, change.state, messages=self._notices(change)))
        next_check = change.state.next_check_at
        log.warning(
            "feed failed (%d in a row): %s; next check %s",
            change.state.consecutive_failures,
            error,
            next_check.isoformat(timespec="minutes") if next_check else "?",
            extra={"feed": feed.url},
        )
        return FeedResult(
            feed.url,
            ok=False,
            error=error,
            next_check_at=next_check,
            notice=change.notice,
            host_not_found=bool(fetched and fetched.host_not_found),
        )

    async def _succeeded(
        self,
        feed: Feed,
        now: datetime,
        fetched: FetchResult,
        parsed: ParsedFeed | None,
        *,
        status: str,
        content_hash: str | None = None,
        plan: NewItems | None = None,
        articles: Sequence[ArticleWrite] = (),
    ) -> FeedResult:
        """Commit a good poll: the feed's new articles and its state, together."""
        change = after_success(
            feed,
            now,
            self._settings,
            fetched,
            parsed,
            status=status,
            content_hash=content_hash,
            items_wait=bool(plan and plan.waiting),
        )
        committed = await self._commit(
            PollWrite(
                feed.url,
                now,
                change.state,
                change.title,
                tuple(articles),
                self._notices(change),
            )
        )
        if status != "ok":
            log.debug("%s", status.replace("_", " "), extra={"feed": feed.url})
        return FeedResult(
            feed.url,
            ok=True,
            not_modified=status != "ok",
            new_articles=committed.stored,
            alerts=committed.alerts,
            next_check_at=change.state.next_check_at,
            warning=parsed.warning if parsed else None,
            notice=change.notice,
            waiting=plan.waiting if plan else 0,
        )

    async def _commit(self, write: PollWrite) -> PollCommitted:
        """The poll's one store call, in the next group commit; the pending records of its
        articles are dropped inside that same transaction."""
        return await self._writes.run(
            lambda: self._store.commit_poll(write, after=self._pending.discard)
        )

    def _notices(self, change: Transition) -> tuple[Message, ...]:
        if not change.notice:
            return ()
        return tuple(Message("notice", d, {"text": change.notice}) for d in self._destinations)

    # ------------------------------------------------------------- articles

    async def _plan_items(self, feed: Feed, items: Sequence[FeedItem]) -> NewItems:
        """Which items are new, which to record and which to assess (with their text)."""
        fresh = await self._writes.read(lambda: fresh_items(feed, items, self._store.known_items))
        if not fresh:
            return NewItems()
        to_record, taken, waiting = split_new(feed, fresh, self._settings.max_items_per_poll)
        budget = self._article_text.page_budget() if self._article_text else None
        pending: list[NewArticle] = []
        for aid, item in taken:
            with_text = await self._with_text(aid, item, feed, budget)
            if with_text is None:  # its page is wanted, but this poll's budget is spent
                waiting += 1
            else:
                pending.append(with_text)
        return NewItems(tuple(to_record), tuple(pending), waiting)

    async def _with_text(
        self, aid: str, item: FeedItem, feed: Feed, budget: PageBudget | None
    ) -> NewArticle | None:
        article = article_of(aid, item, feed)
        extra: dict[str, Any] = {"guid": item.guid, "text_source": "feed"}
        if self._article_text is None:
            return NewArticle(article, extra)
        page = await self._article_text.text_for(item.link, article.text, budget)
        if page is None:
            return None
        extra.update(text_source=page.source, text_note=page.note)
        return NewArticle(dataclasses.replace(article, text=page.text), extra)

    async def _assess(self, feed: Feed, plan: NewItems, held: list[str]) -> list[ArticleWrite]:
        """What the poll keeps of its new items: the recorded ones as they are, the others
        assessed — off the event loop, outside any transaction, one analysis at a time."""
        now = self._clock()
        writes = [
            ArticleWrite(recorded_row(article_of(aid, item, feed), now, item.guid))
            for aid, item in plan.record
        ]
        if plan.assess:
            async with self._assessing:
                writes += await asyncio.to_thread(self._assess_all, feed, plan.assess, now, held)
        return writes

    def _assess_all(
        self, feed: Feed, pending: Sequence[NewArticle], now: datetime, held: list[str]
    ) -> list[ArticleWrite]:
        """Assess each article not stored or pending meanwhile (another feed may carry the
        same link); each one assessed is held pending, so the next one sees it."""
        articles = [p.article for p in pending]
        ids, urls, _ = self._store.known_items(
            feed.url, [a.id for a in articles], [u for a in articles if (u := a.url)], []
        )
        writes: list[ArticleWrite] = []
        for item in pending:
            article = item.article
            if (
                article.id in ids
                or article.url in urls
                or self._pending.holds(article.id, article.url)
            ):
                continue
            try:
                assessment = self._assessor.assess(article, self._known)
            except Exception as exc:  # one article must not stop the feed
                log.exception("analysis failed", extra={"feed": feed.url})
                writes.append(ArticleWrite(failed_row(article, now, exc, item.extra)))
                continue
            self._pending.add(article.id, article.url, assessment.record)
            held.append(article.id)
            # a story muted from a destination (feedback) is not queued there
            to = unmuted(assessment.verdict.story, self._destinations, self._store.muted_stories)
            writes.append(
                assessed_write(
                    article,
                    assessment,
                    now,
                    item.extra,
                    to,
                    self._routes(),
                    self._store.muted_stories,
                )
            )
        return writes


def record_seeds(
    store: Store, assessor: ArticleAssessor, seeds: Sequence[Seed], now: datetime
) -> int:
    """Store seed articles and their claims once (a restart adds nothing); returns how many.

    Each seed is assessed against the store (earlier seeds included), then committed with
    its analysis record in one transaction."""
    known = KnownToStore(store)
    added = 0
    for seed in seeds:
        if store.has_article(seed.id):
            continue
        assessment = assessor.assess_seed(seed, known)
        verdict = assessment.verdict
        claims = tuple(claim_rows(verdict, seed.published))
        store.write_articles(
            [ArticleWrite(seed_row(seed, verdict, now), claims, assessment.record)], now
        )
        added += 1
    return added
