"""A page a reader says the bot missed, fetched with a feed's guards: the shared Fetcher (size
cap, timeouts, private-address guard), robots.txt and the AI opt-out signals of
bot/feeds/fulltext.py, then its main text and title."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.feeds.fetch import Fetcher, FetchState
from bot.feeds.fulltext import PAGE_ACCEPT, FullText, extract_main_text, opt_out_reason
from bot.feeds.identity import canonical_url
from bot.models import Article


@dataclass(frozen=True)
class MissedPage:
    url: str
    title: str
    text: str


def missed_article_id(url: str) -> str:
    return "missed:" + hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]


def article_of_page(page: MissedPage) -> Article:
    url = canonical_url(page.url)
    host = urlsplit(url).hostname or ""
    return Article(
        id=missed_article_id(url),
        title=page.title,
        url=url,
        source=host.removeprefix("www."),
        published=None,
        text=page.text,
    )


class PageFetch:
    """`await PageFetch(...)(url)`: the page, or a one-line reason it cannot be read."""

    def __init__(self, fetcher: Fetcher, full_text: FullText, max_bytes: int) -> None:
        self._fetcher = fetcher
        self._full_text = full_text
        self._max_bytes = max_bytes

    async def __call__(self, url: str) -> MissedPage | str:
        if urlsplit(url).scheme not in ("http", "https"):
            return "that is not a web address (http:// or https://)"
        allowed, why = await self._full_text.robots_allows(url)
        if not allowed:
            return why
        fetched = await self._fetcher.fetch(
            FetchState(url), max_bytes=self._max_bytes, accept=PAGE_ACCEPT
        )
        if fetched.status != "ok":
            return f"the page could not be fetched: {fetched.error}"
        opt_out = opt_out_reason(fetched.headers, fetched.body)
        if opt_out:
            return opt_out
        text, title = await asyncio.to_thread(_text_and_title, fetched.body, fetched.url)
        if not text:
            return "the page has no article text the bot can find"
        return MissedPage(fetched.url, title, text)


def _text_and_title(body: bytes, url: str) -> tuple[str | None, str]:
    from trafilatura import extract_metadata

    text = extract_main_text(body, url)
    meta = extract_metadata(body, default_url=url)
    title = (meta.title if meta is not None else None) or ""
    return text, title
