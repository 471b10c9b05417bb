"""The one feed-management service: add, remove, import, list, export — for the CLI and chat.

Every check lives here and every answer is a value: the CLI and the /news commands only
format them. Adding a feed (alone or from an OPML file) fetches it once: it must answer,
parse as a feed, and not be watched already under its old or new (permanently redirected)
address. Feeds from config.toml are synced into the store at start; feeds added here live in
the store only (origin "cli"), so they survive restarts and config edits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.errors import FeedError
from bot.errors import FeedManagementError as FeedManagementError
from bot.feeds.discover import discover_feed_links
from bot.feeds.fetch import Fetcher, FetchState
from bot.feeds.limits import MAX_PREVIEW_ITEMS, MAX_URL_CHARS
from bot.feeds.opml import OpmlFeed, read_opml, write_opml
from bot.feeds.parse_pool import FeedParser
from bot.feeds.preview import FeedPreview, FeedPreviewer
from bot.models import Feed
from bot.store import Store
from bot.timeutil import iso

MIN_INTERVAL, MAX_INTERVAL = 5, 1440  # the defaults of polling.min/max_interval_minutes
MAX_IMPORT = 200  # feeds taken from one OPML file; the rest are counted, not added
CHECKS_AT_ONCE = 8  # feeds of one import fetched in parallel


class FeedCheckFailed(FeedManagementError):
    """The address did not answer with a feed (fetch failed, or not a feed)."""


@dataclass(frozen=True)
class CheckedFeed:
    """A URL that answered with a feed: where it lives now, what it holds."""

    url: str  # the permanent address (after 301/308 redirects)
    title: str
    items: int
    warning: str | None = None


# Fetch a URL once and read it as a feed; FeedManagementError says why it is not one.
FeedCheck = Callable[[str], Awaitable[CheckedFeed]]
# Fetch an OPML file (capped at MAX_OPML_BYTES); FeedManagementError says why it could not.
OpmlDownload = Callable[[str], Awaitable[bytes]]
FeedsChanged = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class AddedFeed:
    url: str
    title: str
    items: int
    warning: str | None


SkipKind = Literal["known", "invalid", "failed"]


@dataclass(frozen=True)
class SkippedFeed:
    """A feed of an import that was not added, and why (one line)."""

    url: str
    kind: SkipKind
    reason: str


@dataclass(frozen=True)
class ImportReport:
    added: tuple[AddedFeed, ...]
    skipped: tuple[SkippedFeed, ...]
    left_out: int = 0  # beyond MAX_IMPORT

    def count(self, kind: SkipKind) -> int:
        return sum(1 for s in self.skipped if s.kind == kind)


@dataclass(frozen=True)
class RemovedFeed:
    url: str
    origin: str  # "config" feeds come back at the next start


@dataclass(frozen=True)
class FeedChanged:
    """A feed after pause, resume or a new interval."""

    url: str
    name: str
    paused: bool
    interval_minutes: int
    changed: bool  # False when it already was so


@dataclass(frozen=True)
class FeedHealth:
    """One feed as `feeds list` and `/news feeds list` show it."""

    url: str
    name: str
    origin: str
    interval_minutes: int
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    consecutive_failures: int
    next_check_at: str | None
    fetch_url: str | None
    paused: bool = False

    @property
    def state(self) -> str:
        if self.paused:
            return "paused"
        if self.consecutive_failures:
            return f"failing ({self.consecutive_failures} in a row)"
        return "ok" if self.last_success_at else "not checked yet"


def web_check(fetcher: Fetcher, parser: FeedParser, clock: Callable[[], datetime]) -> FeedCheck:
    """The real check: fetch once (following redirects), parse; a page that is not a feed
    names the feeds it links to."""

    async def check(url: str) -> CheckedFeed:
        fetched = await fetcher.fetch(FetchState(url))
        if fetched.status != "ok":
            raise FeedCheckFailed(f"could not fetch {url}: {fetched.error or 'not modified'}")
        try:
            parsed = await parser.parse(
                fetched.body, url=fetched.url, headers=fetched.headers, fetched_at=clock()
            )
        except FeedError as exc:
            found = discover_feed_links(fetched.body, fetched.url)
            hint = ("; the page links to: " + ", ".join(found[:5])) if found else ""
            raise FeedCheckFailed(f"{url} is not a feed ({exc}){hint}") from None
        final = fetched.permanent_url or url
        return CheckedFeed(final, parsed.title, len(parsed.items), parsed.warning)

    return check


def web_download(fetcher: Fetcher) -> OpmlDownload:
    """Fetch an OPML file; `fetcher` must cap bodies at MAX_OPML_BYTES (see app.py)."""

    async def download(url: str) -> bytes:
        problem = _address_problem(url)
        if problem:
            raise FeedManagementError(problem)
        result = await fetcher.fetch(FetchState(url=url))
        if result.status != "ok":
            raise FeedManagementError(
                f"could not fetch {url}: {result.error or f'HTTP answer {result.status}'}"
            )
        return result.body

    return download


class FeedManager:
    """Feed management over one store. Without `check`, feeds are added unchecked (tests,
    and tools that have no network); `changed` runs after the list of feeds changed."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        check: FeedCheck | None = None,
        download: OpmlDownload | None = None,
        changed: FeedsChanged | None = None,
        default_interval: int = 30,
        interval_bounds: tuple[int, int] = (MIN_INTERVAL, MAX_INTERVAL),
        preview: FeedPreviewer | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self.check = check
        self.download = download
        self.changed = changed
        self.default_interval = default_interval
        self.interval_bounds = interval_bounds
        self.previewer = preview

    async def add(
        self, url: str, *, name: str = "", interval_minutes: int | None = None, backfill: int = 0
    ) -> AddedFeed:
        """Check `url` and watch it; FeedManagementError says why not. The first poll then
        records what the feed holds without alerting (unless `backfill`)."""
        url = url.strip()
        if interval_minutes is not None:
            self._check_interval(interval_minutes)
        if backfill < 0:
            raise FeedManagementError("--backfill must not be negative")
        problem = _address_problem(url) or self._known_problem(url)
        if problem:
            raise FeedManagementError(problem)
        checked = await self._check(url, "")
        added = self._save(checked, name, interval_minutes, backfill)
        if added is None:
            raise FeedManagementError(f"{url} is already watched")
        await self._changed()
        return added

    async def remove(self, url: str) -> RemovedFeed:
        """Stop watching a feed (by its URL or where it moved); its articles stay searchable."""
        feed = self._store.remove_feed(url.strip())
        if feed is None:
            raise FeedManagementError(f"{url} is not watched")
        await self._changed()
        return RemovedFeed(feed.url, feed.origin)

    async def pause(self, url: str) -> FeedChanged:
        """Stop polling a feed but keep it (and its state) until `resume`; survives restarts."""
        return await self._set_paused(url, True)

    async def resume(self, url: str) -> FeedChanged:
        """Poll a paused feed again (soon: the scheduler picks it up at once)."""
        return await self._set_paused(url, False)

    async def set_interval(self, url: str, minutes: int) -> FeedChanged:
        """Poll a feed every `minutes` (within the configured bounds). A feed from the
        config file keeps the interval written there: the file is what it is synced from."""
        self._check_interval(minutes)
        feed = self._watched(url)
        if feed.origin == "config":
            raise FeedManagementError(
                f"{feed.url} is listed in the config file; change interval_minutes in its"
                " [[feeds]] block there"
            )
        before = feed.interval_minutes or self.default_interval
        if before != minutes:
            self._store.update_feed(feed.url, {"interval_minutes": minutes})
            await self._changed()
        return FeedChanged(feed.url, feed.display_name, feed.paused, minutes, before != minutes)

    async def preview(self, url: str, items: int = 5) -> FeedPreview:
        """What polling `url` would post right now (its newest `items`, analysed), storing
        and posting nothing; for a feed not watched yet as well as a watched one."""
        url = url.strip()
        if not 1 <= items <= MAX_PREVIEW_ITEMS:
            raise FeedManagementError(
                f"a preview shows 1 to {MAX_PREVIEW_ITEMS} items, not {items}"
            )
        problem = _address_problem(url)
        if problem:
            raise FeedManagementError(problem)
        if self.previewer is None:
            raise FeedManagementError("previewing feeds is not available here")
        try:
            return await self.previewer(url, items)
        except FeedError as exc:
            raise FeedCheckFailed(str(exc)) from None

    async def import_opml(self, data: bytes) -> ImportReport:
        """Add every feed of an OPML file that passes the same checks as `add`, up to
        MAX_IMPORT; every feed not added is named with the reason."""
        try:
            entries = read_opml(data)
        except FeedError as exc:
            raise FeedManagementError(str(exc)) from None
        taken = entries[:MAX_IMPORT]
        skipped: dict[str, SkippedFeed] = {}
        to_check: list[OpmlFeed] = []
        for entry in taken:
            problem = _address_problem(entry.url)
            if problem:
                skipped[entry.url] = SkippedFeed(entry.url, "invalid", problem)
            elif self._store.find_feed(entry.url) is not None:
                skipped[entry.url] = SkippedFeed(entry.url, "known", "already watched")
            else:
                to_check.append(entry)
        gate = asyncio.Semaphore(CHECKS_AT_ONCE)

        async def check(entry: OpmlFeed) -> CheckedFeed | SkippedFeed:
            async with gate:
                try:
                    checked = await self._check(entry.url, entry.title)
                except FeedManagementError as exc:
                    return SkippedFeed(entry.url, "failed", str(exc))
            return replace(checked, title=entry.title or checked.title)  # the list's name first

        results = await asyncio.gather(*(check(e) for e in to_check))
        added: dict[str, AddedFeed] = {}
        for entry, result in zip(to_check, results, strict=True):
            if isinstance(result, SkippedFeed):
                skipped[entry.url] = result
                continue
            saved = self._save(result, "", None, 0)
            if saved is None:
                reason = "already watched"
                if result.url != entry.url:
                    reason = f"redirects to {result.url}, which is already watched"
                skipped[entry.url] = SkippedFeed(entry.url, "known", reason)
            else:
                added[entry.url] = saved
        if added:
            await self._changed()
        order = [e.url for e in taken]
        return ImportReport(
            tuple(added[u] for u in order if u in added),
            tuple(skipped[u] for u in order if u in skipped),
            max(0, len(entries) - MAX_IMPORT),
        )

    async def import_url(self, url: str) -> ImportReport:
        """Fetch an OPML file (at most MAX_OPML_BYTES) and import it."""
        if self.download is None:
            raise FeedManagementError("importing from a URL is not available here")
        return await self.import_opml(await self.download(url.strip()))

    def health(self) -> list[FeedHealth]:
        return [_health(row) for row in self._store.feeds()]

    def export_opml(self) -> str:
        feeds = [OpmlFeed(f.url, f.name or f.title) for f in self._store.feeds()]
        return write_opml(feeds, now=self._clock())

    # ------------------------------------------------------------ steps

    def _check_interval(self, minutes: int) -> None:
        low, high = self.interval_bounds
        if not low <= minutes <= high:
            raise FeedManagementError(
                f"the interval must be {low} to {high} minutes (polling.min_interval_minutes"
                f" to polling.max_interval_minutes), not {minutes}"
            )

    def _watched(self, url: str) -> Feed:
        feed = self._store.find_feed(url.strip())
        if feed is None:
            raise FeedManagementError(f"{url.strip()} is not watched")
        return feed

    async def _set_paused(self, url: str, paused: bool) -> FeedChanged:
        feed = self._watched(url)
        if feed.paused != paused:
            self._store.update_feed(feed.url, {"paused": int(paused)})
            await self._changed()
        interval = feed.interval_minutes or self.default_interval
        return FeedChanged(feed.url, feed.display_name, paused, interval, feed.paused != paused)

    def _known_problem(self, url: str) -> str | None:
        return f"{url} is already watched" if self._store.find_feed(url) is not None else None

    async def _check(self, url: str, title: str) -> CheckedFeed:
        if self.check is None:
            return CheckedFeed(url, title, 0)
        checked = await self.check(url)
        if checked.url != url and self._store.find_feed(checked.url) is not None:
            raise FeedManagementError(f"{url} redirects to {checked.url}, which is already watched")
        return checked

    def _save(
        self, checked: CheckedFeed, name: str, interval: int | None, backfill: int
    ) -> AddedFeed | None:
        saved = self._store.add_feed(
            checked.url,
            name=name.strip(),
            title=checked.title,
            interval_minutes=interval or self.default_interval,
            now=self._clock(),
            backfill=backfill,
        )
        if not saved:
            return None
        return AddedFeed(checked.url, checked.title, checked.items, checked.warning)

    async def _changed(self) -> None:
        if self.changed is not None:
            await self.changed()


def _address_problem(url: str) -> str | None:
    if not url.startswith(("http://", "https://")):
        return f"{url!r} is not a web address (http:// or https://)"
    if len(url) > MAX_URL_CHARS:
        return f"that address is longer than {MAX_URL_CHARS} characters"
    return None


def _health(feed: Feed) -> FeedHealth:
    state = feed.state
    return FeedHealth(
        url=feed.url,
        name=feed.name or feed.title,
        origin=feed.origin,
        interval_minutes=feed.interval_minutes or 0,
        last_success_at=iso(state.last_success_at),
        last_error=state.last_error if state.consecutive_failures else None,
        last_error_at=iso(state.last_error_at),
        consecutive_failures=state.consecutive_failures,
        next_check_at=None if feed.paused else iso(state.next_check_at),
        fetch_url=state.fetch_url,
        paused=feed.paused,
    )
