"""Parse feed bytes into FeedItems with feedparser; titles and summaries become plain text."""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.errors import FeedError
from bot.models import FeedItem

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|blockquote|tr)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: tuple[FeedItem, ...]
    warning: str | None = None


def parse_feed(
    body: bytes, *, url: str, headers: Mapping[str, str], fetched_at: datetime
) -> ParsedFeed:
    """Parse a feed document; raises FeedError when the bytes are not a feed at all."""
    parsed = feedparser.parse(
        body, response_headers={k.lower(): v for k, v in headers.items()}, sanitize_html=True
    )
    if not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        raise FeedError(f"not a feed ({reason})" if reason else "not a feed")
    warning = None
    if parsed.get("bozo"):
        warning = f"malformed feed, parsed as far as possible: {parsed.get('bozo_exception')}"
    items = tuple(_item(entry, fetched_at) for entry in parsed.entries)
    return ParsedFeed(title=clean_text(parsed.feed.get("title", "")), items=items, warning=warning)


def _item(entry: Any, fetched_at: datetime) -> FeedItem:
    published, fallback = _date(entry, fetched_at)
    content = ""
    if entry.get("content"):
        content = clean_text(" ".join(c.get("value", "") for c in entry["content"]))
    return FeedItem(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=clean_text(entry.get("title", "")),
        summary=clean_text(entry.get("summary", "")),
        content=content,
        published=published,
        published_is_fallback=fallback,
        author=entry.get("author") or None,
    )


def _date(entry: Any, fetched_at: datetime) -> tuple[datetime, bool]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC), False
    return fetched_at, True


def clean_text(markup: str) -> str:
    """HTML to plain text: block tags become line breaks, entities are decoded."""
    text = _BLOCK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
