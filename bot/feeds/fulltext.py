"""Full text for teaser-only items, fetched only where the publisher allows it.

An item whose feed text is shorter than `teaser_chars` gets its article page fetched and its
main text extracted with trafilatura, but only when:
- the site's robots.txt (RFC 9309 as Protego reads it: `*`, `$`, longest match; cached
  per host) allows our user agent the page, and
- the page carries no AI / text-and-data-mining opt-out: `X-Robots-Tag` or
  `<meta name="robots">` (or `<meta name="newsbot">`) with `noai` / `noimageai`, or a W3C
  TDMRep `tdm-reservation: 1` header or `<meta name="tdm-reservation" content="1">`.
Otherwise the feed's own text is used, and `PageText.note` says why. One poll of a feed
fetches at most `max_pages_per_poll` pages, `max_pages_per_host` from any one host (a
PageBudget); an item over budget waits for a later poll.
The fetch goes through the shared Fetcher: same private-address guard, timeouts and a cap.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Literal, Protocol
from urllib.parse import urlsplit

from protego import Protego

from bot.feeds.fetch import Fetcher, FetchState

log = logging.getLogger(__name__)

ROBOTS_AGENT = "newsbot"
OPT_OUT_TOKENS = frozenset({"noai", "noimageai"})
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_ROBOTS_MAX_BYTES = 512_000


@dataclass(frozen=True)
class PageText:
    """The text to analyse, where it came from, and why (None when nothing needs saying)."""

    text: str
    source: Literal["feed", "page"]
    note: str | None = None


@dataclass(frozen=True)
class FullTextSettings:
    enabled: bool = True
    teaser_chars: int = 600
    max_page_bytes: int = 2_000_000
    robots_cache: timedelta = timedelta(hours=24)
    max_pages_per_poll: int = 30
    max_pages_per_host: int = 20


@dataclass
class PageBudget:
    """How many article pages one poll of a feed may still fetch, in all and per host, so
    a feed of thousands of teasers cannot turn one poll into thousands of page requests."""

    per_poll: int
    per_host: int
    spent: Counter[str] = field(default_factory=Counter)

    def allows(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return self.spent.total() < self.per_poll and self.spent[host] < self.per_host

    def spend(self, url: str) -> None:
        self.spent[urlsplit(url).hostname or ""] += 1


@dataclass
class _Robots:
    parser: Protego | None  # None: no rules, everything allowed
    disallow_all: bool
    fetched_at: datetime
    note: str = ""


class ArticleText(Protocol):
    """Where the text to analyse comes from: the feed, or the article page when allowed."""

    def page_budget(self) -> PageBudget: ...

    async def text_for(
        self, url: str | None, feed_text: str, budget: PageBudget | None = None
    ) -> PageText | None: ...


class FullText:
    """Decides, per item, whether to fetch its page, and extracts the main text."""

    def __init__(
        self,
        fetcher: Fetcher,
        settings: FullTextSettings,
        clock: Callable[[], datetime],
        extract: Callable[[bytes, str], str | None] | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._settings = settings
        self._clock = clock
        self._extract = extract or extract_main_text
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    def page_budget(self) -> PageBudget:
        """A fresh budget of page fetches for one poll of a feed."""
        return PageBudget(self._settings.max_pages_per_poll, self._settings.max_pages_per_host)

    async def text_for(
        self, url: str | None, feed_text: str, budget: PageBudget | None = None
    ) -> PageText | None:
        """The text to analyse; None when the page is wanted but `budget` is spent (the
        item then waits for a later poll)."""
        if not self._settings.enabled:
            return PageText(feed_text, "feed", "full-text fetching is turned off")
        if len(feed_text) >= self._settings.teaser_chars:
            return PageText(feed_text, "feed")
        if not url or urlsplit(url).scheme not in ("http", "https"):
            return PageText(feed_text, "feed", "teaser only, and the item has no web link")
        if budget is not None and not budget.allows(url):
            return None
        allowed, why = await self.robots_allows(url)
        if not allowed:
            return PageText(feed_text, "feed", why)
        if budget is not None:
            budget.spend(url)
        fetched = await self._fetcher.fetch(
            FetchState(url), max_bytes=self._settings.max_page_bytes, accept=PAGE_ACCEPT
        )
        if fetched.status != "ok":
            return PageText(
                feed_text, "feed", f"article page could not be fetched: {fetched.error}"
            )
        opt_out = opt_out_reason(fetched.headers, fetched.body)
        if opt_out:
            return PageText(feed_text, "feed", opt_out)
        text = await asyncio.to_thread(self._extract, fetched.body, fetched.url)
        if not text or len(text) <= len(feed_text):
            return PageText(feed_text, "feed", "the article page has no longer main text")
        return PageText(
            text, "page", "main text from the article page (robots.txt allows; no AI opt-out)"
        )

    async def robots_allows(self, url: str) -> tuple[bool, str]:
        """Whether robots.txt lets our user agent fetch `url`, and a reason when it does not."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt fetch per host, even for many items at once
            entry = self._robots.get(origin)
            if entry is None or self._clock() - entry.fetched_at > self._ttl(entry):
                entry = await self._load_robots(origin)
                self._robots[origin] = entry
        if entry.disallow_all:
            return False, entry.note
        if entry.parser is not None and not entry.parser.can_fetch(url, ROBOTS_AGENT):
            return False, f"robots.txt of {parts.netloc} does not allow {ROBOTS_AGENT} this page"
        return True, ""

    def _ttl(self, entry: _Robots) -> timedelta:
        # An unreachable robots.txt is asked again sooner than a good one.
        return timedelta(hours=1) if entry.disallow_all else self._settings.robots_cache

    async def _load_robots(self, origin: str) -> _Robots:
        now = self._clock()
        fetched = await self._fetcher.fetch(
            FetchState(f"{origin}/robots.txt"), max_bytes=_ROBOTS_MAX_BYTES, accept="text/plain"
        )
        status = fetched.http_status or 0
        if fetched.status == "ok":
            # Protego: RFC 9309 matching (`*` and `$`, the longest rule wins, Allow on a tie),
            # which urllib.robotparser does not do.
            parser = Protego.parse(fetched.body.decode("utf-8", errors="replace"))
            return _Robots(parser, False, now)
        if 400 <= status < 500:  # RFC 9309 2.3.1.3: "unavailable" means no restrictions
            return _Robots(None, False, now)
        # RFC 9309 2.3.1.4: "unreachable" (5xx, network) means assume complete disallow.
        note = f"robots.txt of {urlsplit(origin).netloc} could not be read ({fetched.error})"
        return _Robots(None, True, now, note)


# ------------------------------------------------------------------ opt-out signals


class _MetaCollector(HTMLParser):
    """Collects <meta name=... content=...> pairs until the body starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        if tag != "meta" or self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        name = values.get("name") or values.get("http-equiv") or ""
        if name:
            self.meta.append((name.strip().lower(), values.get("content", "")))


def opt_out_reason(headers: Mapping[str, str], body: bytes) -> str | None:
    """Why the page must not be used for AI analysis, or None when nothing says so."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if _robots_tokens(lowered.get("x-robots-tag", "")) & OPT_OUT_TOKENS:
        return "the page opts out of AI use (X-Robots-Tag: noai)"
    if lowered.get("tdm-reservation", "").strip() == "1":
        return "the page reserves text-and-data-mining rights (TDMRep tdm-reservation header)"
    collector = _MetaCollector()
    head = body[:200_000].decode("utf-8", errors="replace")
    collector.feed(head.split("</head>", 1)[0] if "</head>" in head else head)
    for name, content in collector.meta:
        if name in ("robots", ROBOTS_AGENT) and _robots_tokens(content) & OPT_OUT_TOKENS:
            return f'the page opts out of AI use (<meta name="{name}"> noai)'
        if name == "x-robots-tag" and _robots_tokens(content) & OPT_OUT_TOKENS:
            return "the page opts out of AI use (X-Robots-Tag meta: noai)"
        if name == "tdm-reservation" and content.strip() == "1":
            return "the page reserves text-and-data-mining rights (TDMRep tdm-reservation meta)"
    return None


def _robots_tokens(value: str) -> set[str]:
    """Directives of an X-Robots-Tag / robots meta value, for us or for every agent.

    `otherbot: noai` applies only to that bot; `newsbot: noai` and plain `noai` to us.
    """
    tokens: set[str] = set()
    for part in re.split(r",", value.lower()):
        part = part.strip()
        if ":" in part:
            agent, _, directive = part.partition(":")
            if agent.strip() not in (ROBOTS_AGENT, "*") and not agent.strip().startswith(
                ("max-", "unavailable_after")
            ):
                continue
            part = directive.strip()
        tokens.update(part.split())
    return tokens


def extract_main_text(body: bytes, url: str) -> str | None:
    """The page's main text (navigation, ads, comments removed), or None."""
    import trafilatura  # imported on first use: ~0.3 s and 30 MB the bot may never need

    text = trafilatura.extract(
        body,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    return text or None
