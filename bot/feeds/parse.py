"""Parse feed bytes into FeedItems: RSS 0.9x/1.0/2.0 and Atom with feedparser, JSON Feed 1.x.

Titles and summaries become plain text; links are resolved against the feed's address;
dates become UTC, and an item without one gets the fetch time, flagged. A malformed feed
is parsed as far as possible and comes back with a warning; bytes that are not a feed at
all raise FeedError. Parsing is CPU work: callers run it off the event loop.
"""

from __future__ import annotations

import calendar
import email.utils
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from bot.errors import FeedError
from bot.feeds.charset import mend_surrogate_references, normalise_encoding
from bot.feeds.fastparse import fast_parse
from bot.feeds.markup import as_text, clean_text, resolve_link, tidy, title_text
from bot.models import FeedItem

JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its own title and link, its items, a warning when it was malformed."""

    title: str
    items: tuple[FeedItem, ...]
    warning: str | None = None
    link: str | None = None
    ttl_minutes: int | None = None
    kind: str = ""  # rss20, atom10, rdf, json11, ... (feedparser's version names, plus json)
    via: str = field(default="feedparser", compare=False)  # feedparser, lxml or json


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str],
    fetched_at: datetime,
    fast: bool = True,
) -> ParsedFeed:
    """Parse a feed document; raises FeedError when the bytes are not a feed at all.

    Plain, well-formed RSS 2.0 / Atom 1.0 in UTF-8 takes the lxml fast path (the same
    output, see fastparse.py); `fast=False` forces feedparser.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    if _looks_like_json(body, lowered.get("content-type", "")):
        return parse_json_feed(body, url=url, fetched_at=fetched_at)
    lowered["content-location"] = _base_uri(url, lowered.get("content-location"))
    body, lowered["content-type"] = normalise_encoding(body, lowered.get("content-type", ""))
    body = mend_surrogate_references(body)
    if fast:
        quick = fast_parse(
            body,
            url=url,
            base=lowered["content-location"],
            content_type=lowered["content-type"],
            fetched_at=fetched_at,
        )
        if quick is not None:
            return ParsedFeed(
                quick.title, quick.items, None, quick.link, quick.ttl_minutes, quick.kind, "lxml"
            )
    try:
        parsed = feedparser.parse(
            body,
            response_headers=lowered,
            # We turn all markup into plain text ourselves; feedparser's sanitizer and
            # relative-URI pass over embedded HTML would only cost time (links are still
            # resolved).
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser's own faults on hostile input: a parse error
        raise FeedError(f"unreadable feed ({type(exc).__name__}: {_short(exc)})") from None
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        hint = "; it looks like a web page" if _looks_like_html(body) else ""
        raise FeedError(f"not a feed{hint}" + (f" ({_short(reason)})" if reason else ""))
    warning = None
    if parsed.get("bozo"):
        warning = (
            f"malformed feed, parsed as far as possible: {_short(parsed.get('bozo_exception'))}"
        )
    feed = parsed.feed
    link = feed.get("link") or None
    atom = str(parsed.get("version") or "").startswith("atom")
    feed_author = _text_or_none(feed.get("author"))
    built: list[FeedItem] = []
    broken: list[str] = []
    for index, entry in enumerate(parsed.entries):
        try:
            built.append(_item(entry, url, fetched_at, atom=atom, feed_author=feed_author))
        except Exception as exc:  # one bad item never fails its feed: skip it, say which
            broken.append(f"item {index} skipped ({type(exc).__name__}: {_short(exc)})")
    items = tuple(item for item in built if _has_substance(item))
    if len(items) < len(built):
        broken.append(f"{len(built) - len(items)} empty item(s) skipped")
    if broken:
        dropped = "; ".join(broken[:3]) + (f" (+{len(broken) - 3} more)" if len(broken) > 3 else "")
        warning = f"{warning}; {dropped}" if warning else f"malformed feed: {dropped}"
    return ParsedFeed(
        title=title_text(_field(feed, "title", atom)),
        items=items,
        warning=warning,
        link=link,
        ttl_minutes=_int(feed.get("ttl")),
        kind=parsed.get("version") or "unknown",
    )


def _base_uri(url: str, content_location: str | None) -> str:
    """The document's base URI: Content-Location resolved against the feed's URL, when it
    is a web address (feedparser would take a relative or javascript: one as it is)."""
    base = resolve_link(url, content_location)
    if base and base.split(":", 1)[0].lower() in ("http", "https"):
        return base
    return url


def _item(
    entry: Any, feed_url: str, fetched_at: datetime, *, atom: bool, feed_author: str | None
) -> FeedItem:
    published, fallback = _date(entry, fetched_at)
    contents = entry.get("content") or []
    content = " ".join(
        as_text(c.get("value", ""), plain=atom and c.get("type") == "text/plain") for c in contents
    )
    return FeedItem(
        guid=_text_or_none(entry.get("id")),
        link=resolve_link(feed_url, entry.get("link") or None),
        title=title_text(_field(entry, "title", atom)),
        summary=_field(entry, "summary", atom),
        content=tidy(content) if len(contents) > 1 else content,
        published=published,
        published_is_fallback=fallback,
        author=_text_or_none(entry.get("author")) or feed_author,
    )


def _field(element: Any, key: str, atom: bool) -> str:
    """A text construct as plain text: Atom's type="text" is text, everything else is HTML."""
    detail = element.get(f"{key}_detail")
    if detail is None and key == "summary" and element.get("content"):
        detail = element["content"][0]  # feedparser copied the content into the summary
    kind = (detail or {}).get("type")
    return as_text(element.get(key, ""), plain=atom and kind == "text/plain")


def _date(entry: Any, fetched_at: datetime) -> tuple[datetime, bool]:
    for key in ("published", "updated", "created"):
        # dict.get: FeedParserDict's own get maps a missing "published" onto "updated",
        # with a DeprecationWarning; the loop reads "updated" next anyway.
        value = dict.get(entry, f"{key}_parsed")
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC), False
            except (OverflowError, ValueError, OSError):
                continue
        when = _lenient_date(dict.get(entry, key))
        if when is not None:
            return when, False
    return fetched_at, True


def parse_date(value: str) -> datetime | None:
    """A feed date as UTC: feedparser's parser (every format it knows), then RFC 822 as
    written in the wild (no zone: UTC; no space after the comma)."""
    from feedparser.datetimes import _parse_date

    common = _common_rfc822(value) if value else None
    if common is not None:
        return common
    parsed = _parse_date(value) if value else None
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return _lenient_date(value)


# The date most RSS feeds write, "Mon, 03 Nov 2025 10:00:00 GMT" (or a +hhmm offset): read
# here as feedparser reads it (its W3C-DTF handler, tried first, takes none of these; its
# RFC 822 handler gives the same instant), in about half the time. Anything else, and a
# date that does not exist (31 Feb), goes through feedparser as before.
_COMMON_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) ((?:19|20)\d\d) (\d{2}):(\d{2}):(\d{2}) (?:GMT|([+-])(\d{2})(\d{2}))"
)
_MONTHS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6}
_MONTHS |= {"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}


def _common_rfc822(value: str) -> datetime | None:
    match = _COMMON_RFC822.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    try:
        when = datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
        if sign:
            offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
            when = when - offset if sign == "+" else when + offset
    except (ValueError, OverflowError):
        return None
    return when


def _lenient_date(value: object) -> datetime | None:
    """RFC 822 dates feedparser gives up on: "Mon, 03 Nov 2025 10:00:00" (no zone: UTC)
    and "Mon,03 Nov 2025 10:00:00 GMT"."""
    if not isinstance(value, str) or not value.strip() or not _RFC822_ISH.match(value):
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


_RFC822_ISH = re.compile(r"\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d")


def _has_substance(item: FeedItem) -> bool:
    return bool(item.title or item.link or item.guid or item.summary or item.content)


# ------------------------------------------------------------------ JSON Feed


def parse_json_feed(body: bytes, *, url: str, fetched_at: datetime) -> ParsedFeed:
    """JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), tolerant of wrong types."""
    try:
        data = json.loads(_decode_json(body))
    except ValueError as exc:
        raise FeedError(f"not a feed (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError("not a feed (JSON without an items list)")
    problems: list[str] = []
    version = data.get("version")
    if version not in JSON_FEED_VERSIONS:
        problems.append(f"unknown version {version!r}")
    base = _str(data.get("feed_url")) or url
    feed_author = _json_authors(data)
    items = []
    for index, raw in enumerate(data["items"]):
        if not isinstance(raw, dict):
            problems.append(f"item {index} is not an object")
            continue
        try:
            items.append(_json_item(raw, base, fetched_at, problems, index, feed_author))
        except Exception as exc:  # one bad item never fails its feed: skip it, say which
            problems.append(f"item {index} skipped ({type(exc).__name__}: {_short(exc)})")
    title = data.get("title")
    if not isinstance(title, str):
        problems.append("title is not a string")
    warning = None
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        warning = "malformed feed, parsed as far as possible: " + "; ".join(problems[:3]) + more
    home = _str(data.get("home_page_url"))
    return ParsedFeed(
        title=title_text(tidy(title if isinstance(title, str) else "")),
        items=tuple(items),
        warning=warning,
        link=resolve_link(url, home),
        kind="json11" if version == JSON_FEED_VERSIONS[1] else "json10",
        via="json",
    )


def _decode_json(body: bytes) -> str:
    """JSON text from bytes: UTF-8 (with or without a BOM), or UTF-16 / UTF-32 with a BOM."""
    if body.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return body.decode("utf-32", errors="replace")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace")
    return body.decode("utf-8-sig", errors="replace")


def _json_authors(raw: dict[str, Any]) -> str | None:
    listed = raw.get("authors")
    authors: list[Any] = listed if isinstance(listed, list) else [raw.get("author")]
    names = [
        a["name"].strip() for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    return ", ".join(name for name in names if name) or None


def _json_item(
    raw: dict[str, Any],
    base: str,
    fetched_at: datetime,
    problems: list[str],
    index: int,
    feed_author: str | None,
) -> FeedItem:
    guid = raw.get("id")
    if isinstance(guid, int | float) and not isinstance(guid, bool):
        guid = str(guid)  # 1.0 feeds sometimes use numbers; 1.1 says "string"
    link = _str(raw.get("url")) or _str(raw.get("external_url"))
    published = fallback = None
    for key in ("date_published", "date_modified"):
        value = raw.get(key)
        if value is None:
            continue
        when = _rfc3339(value)
        if when is None:
            problems.append(f"item {index}: {key} is not a date")
            continue
        published = when
        break
    if published is None:
        published, fallback = fetched_at, True
    html = _str(raw.get("content_html"))
    text = _str(raw.get("content_text"))
    return FeedItem(  # title, summary and content_text are plain text; content_html is HTML
        guid=_text_or_none(guid),
        link=resolve_link(base, link),
        title=title_text(tidy(_str(raw.get("title")))),
        summary=tidy(_str(raw.get("summary"))),
        content=clean_text(html) if html else tidy(text),
        published=published,
        published_is_fallback=bool(fallback),
        author=_json_authors(raw) or feed_author,
    )


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d):60")


def _rfc3339(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    # RFC 3339 allows a lower-case "t" and "z"; a leap second (:60) is read as :59.
    text = _LEAP_SECOND.sub(r"\1:59", value.strip().upper())
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the spec requires an offset; assume UTC
    return when.astimezone(UTC)


# ------------------------------------------------------------------ helpers


def _looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    head = _decode_json(body[:64]) if body.startswith((b"\xff\xfe", b"\xfe\xff")) else ""
    if head:
        return head.lstrip("\ufeff \t\r\n").startswith("{")
    return body[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lower()
    return b"<html" in head or b"<!doctype html" in head


def _short(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _text_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
