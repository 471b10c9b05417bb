"""Feed management shared by the command line and (later) chat commands.

Feeds from config.toml are synced into the store at start; feeds added here live in the
store only (origin "cli"), so they survive restarts and config edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import FeedError, NewsbotError
from bot.feeds.discover import discover_feed_links
from bot.feeds.fetch import Fetcher, FetchState
from bot.feeds.opml import OpmlFeed, read_opml, write_opml
from bot.feeds.parse_pool import FeedParser
from bot.models import Feed
from bot.store import Store
from bot.timeutil import iso


class FeedManagementError(NewsbotError):
    """A feed cannot be added, removed or imported; the message is safe to show users."""


@dataclass(frozen=True)
class AddedFeed:
    url: str
    title: str
    items: int
    warning: str | None


@dataclass(frozen=True)
class FeedHealth:
    """One feed as `feeds list` shows it."""

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

    @property
    def state(self) -> str:
        if self.consecutive_failures:
            return f"failing ({self.consecutive_failures} in a row)"
        return "ok" if self.last_success_at else "not checked yet"


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    already_known: tuple[str, ...]
    invalid: tuple[str, ...]


async def add_feed(
    store: Store,
    fetcher: Fetcher,
    parser: FeedParser,
    url: str,
    now: datetime,
    *,
    name: str = "",
    interval_minutes: int = 30,
    backfill: int = 0,
) -> AddedFeed:
    """Fetch `url` once; add it when it is a feed. Raises FeedManagementError otherwise.

    The first poll then records what the feed holds without alerting (unless `backfill`).
    """
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise FeedManagementError(f"{url!r} is not a web address (http:// or https://)")
    if store.find_feed(url) is not None:
        raise FeedManagementError(f"{url} is already watched")
    fetched = await fetcher.fetch(FetchState(url))
    if fetched.status != "ok":
        raise FeedManagementError(f"could not fetch {url}: {fetched.error or 'not modified'}")
    try:
        parsed = await parser.parse(
            fetched.body, url=fetched.url, headers=fetched.headers, fetched_at=now
        )
    except FeedError as exc:
        found = discover_feed_links(fetched.body, fetched.url)
        hint = ("; the page links to: " + ", ".join(found[:5])) if found else ""
        raise FeedManagementError(f"{url} is not a feed ({exc}){hint}") from None
    final = fetched.permanent_url or url
    if final != url and store.find_feed(final) is not None:
        raise FeedManagementError(f"{url} redirects to {final}, which is already watched")
    store.add_feed(
        final,
        now=now,
        name=name,
        title=parsed.title,
        interval_minutes=interval_minutes,
        backfill=backfill,
    )
    return AddedFeed(final, parsed.title, len(parsed.items), parsed.warning)


def remove_feed(store: Store, url: str) -> Feed:
    """Stop watching a feed; its stored articles stay searchable."""
    feed = store.remove_feed(url.strip())
    if feed is None:
        raise FeedManagementError(f"{url} is not watched (see `newsbot feeds list`)")
    return feed


def feed_health(store: Store) -> list[FeedHealth]:
    return [
        FeedHealth(
            url=f.url,
            name=f.name or f.title,
            origin=f.origin,
            interval_minutes=f.interval_minutes or 0,
            last_success_at=iso(f.state.last_success_at),
            last_error=f.state.last_error if f.state.consecutive_failures else None,
            last_error_at=iso(f.state.last_error_at),
            consecutive_failures=f.state.consecutive_failures,
            next_check_at=iso(f.state.next_check_at),
            fetch_url=f.state.fetch_url,
        )
        for f in store.feeds()
    ]


def import_opml(
    store: Store, data: bytes, now: datetime, *, interval_minutes: int = 30
) -> ImportReport:
    """Add every feed of an OPML file that is not watched yet (no fetch; the first poll checks)."""
    try:
        entries = read_opml(data)
    except FeedError as exc:
        raise FeedManagementError(str(exc)) from None
    added: list[str] = []
    known: list[str] = []
    invalid: list[str] = []
    for entry in entries:
        if not entry.url.startswith(("http://", "https://")):
            invalid.append(entry.url)
        elif store.add_feed(
            entry.url, now=now, title=entry.title, interval_minutes=interval_minutes
        ):
            added.append(entry.url)
        else:
            known.append(entry.url)
    return ImportReport(tuple(added), tuple(known), tuple(invalid))


def export_opml(store: Store, now: datetime) -> str:
    feeds: Sequence[OpmlFeed] = [OpmlFeed(f.url, f.name or f.title) for f in store.feeds()]
    return write_opml(feeds, now=now)
