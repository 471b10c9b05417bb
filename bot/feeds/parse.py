"""Parse feed bytes into FeedItems: RSS 0.9x/1.0/2.0 and Atom with feedparser, JSON Feed 1.x.

Titles and summaries become plain text; links are resolved against the feed's address;
dates become UTC, and an item without one gets the fetch time, flagged. A malformed feed
is parsed as far as possible and comes back with a warning; bytes that are not a feed at
all raise FeedError. Parsing is CPU work: callers run it off the event loop.
"""

from __future__ import annotations

import calendar
import email.utils
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.errors import FeedError
from bot.feeds.fastparse import fast_parse
from bot.models import FeedItem

JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
# iframe and object are not here: their content is fallback text, often all there is after them.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_MAX_TITLE_CHARS = 1_000


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
        content=_tidy(content) if len(contents) > 1 else content,
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

    parsed = _parse_date(value) if value else None
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return _lenient_date(value)


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


# ------------------------------------------------------------------ encodings

_UTF8_BOM = b"\xef\xbb\xbf"
_PROLOG_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([\w.:-]+)[\"']?", re.IGNORECASE)


def normalise_encoding(body: bytes, content_type: str) -> tuple[bytes, str]:
    """Settle the encoding before feedparser sees the bytes, for the common lies:

    - bytes that are valid UTF-8 (and not plain ASCII) are UTF-8, whatever the HTTP header
      or the XML prolog claims (a legacy single-byte text is practically never valid UTF-8);
    - a document that says it is UTF-8 (BOM, header or prolog) but has stray invalid bytes
      keeps its UTF-8 and reads each stray byte as Windows-1252 (a Latin-1 "ñ" pasted in).

    Anything else (declared legacy encodings, UTF-16, no declaration) is left to feedparser,
    which uses the declarations and then chardet.
    """
    media = content_type.split(";", 1)[0].strip() or "application/xml"
    if media.startswith("text/"):
        media = "application/xml"  # RFC 3023 would make text/* without charset US-ASCII
    declared = _declared_charset(body, content_type)
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body, media
    if body.isascii():
        return body, _with_charset(media, declared)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        says_utf8 = body.startswith(_UTF8_BOM) or (declared or "").lower() in ("utf-8", "utf8")
        if not says_utf8:
            return body, _with_charset(media, declared)
        mended = _mend_utf8(body)
        if mended is None:
            return body, _with_charset(media, declared)
        return mended, f"{media}; charset=utf-8"
    return body, f"{media}; charset=utf-8"


def _declared_charset(body: bytes, content_type: str) -> str | None:
    header = _CHARSET.search(content_type)
    if header:
        return header.group(1)
    prolog = _PROLOG_ENCODING.match(body.removeprefix(_UTF8_BOM)[:200])
    return prolog.group(1).decode("ascii") if prolog else None


def _with_charset(media: str, charset: str | None) -> str:
    return f"{media}; charset={charset}" if charset else media


def _mend_utf8(body: bytes, max_repairs: int = 200) -> bytes | None:
    """UTF-8 with each invalid byte read as Windows-1252; None when too broken to mend."""
    parts: list[str] = []
    view = body.removeprefix(_UTF8_BOM)
    for _ in range(max_repairs):
        try:
            parts.append(view.decode("utf-8"))
            return "".join(parts).encode("utf-8")
        except UnicodeDecodeError as exc:
            parts.append(view[: exc.start].decode("utf-8"))
            parts.append(view[exc.start : exc.end].decode("cp1252", errors="replace"))
            view = view[exc.end :]
    return None


_MAYBE_SURROGATE = re.compile(rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*5[5-7][0-9]{3});")
_NUMERIC_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,8});")


def mend_surrogate_references(body: bytes) -> bytes:
    """Character references to UTF-16 surrogates ("&#55357;&#56832;", written by generators
    that count in UTF-16) as the character meant; a lone one as U+FFFD. XML forbids them,
    and feedparser raises UnicodeEncodeError on them."""
    if b"&#" not in body or not _MAYBE_SURROGATE.search(body):
        return body
    refs = list(_NUMERIC_REF.finditer(body))
    parts: list[bytes] = []
    done = index = 0
    while index < len(refs):
        ref = refs[index]
        value = _ref_value(ref.group(1))
        index += 1
        if not 0xD800 <= value <= 0xDFFF:
            continue
        parts.append(body[done : ref.start()])
        done = ref.end()
        low = refs[index] if index < len(refs) else None
        if value <= 0xDBFF and low is not None and low.start() == ref.end():
            low_value = _ref_value(low.group(1))
            if 0xDC00 <= low_value <= 0xDFFF:
                code = 0x10000 + ((value - 0xD800) << 10) + (low_value - 0xDC00)
                parts.append(b"&#%d;" % code)
                done = low.end()
                index += 1
                continue
        parts.append(b"&#65533;")
    parts.append(body[done:])
    return b"".join(parts)


def _ref_value(digits: bytes) -> int:
    return int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)


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
        title=title_text(_tidy(title if isinstance(title, str) else "")),
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
        title=title_text(_tidy(_str(raw.get("title")))),
        summary=_tidy(_str(raw.get("summary"))),
        content=clean_text(html) if html else _tidy(text),
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


# ------------------------------------------------------------------ text


class _TextExtractor(HTMLParser):
    """Collects text; what is inside script, style, iframe, ... is dropped once the element
    closes, and kept when it never does (an unclosed <iframe> must not eat the article)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, int]] = []  # skipped elements: (tag, where its text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._open.append((tag, len(self.parts)))
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            for depth in range(len(self._open) - 1, -1, -1):
                if self._open[depth][0] == tag:
                    del self.parts[self._open[depth][1] :]
                    del self._open[depth:]
                    break
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MARKUP = re.compile(r"<[A-Za-z/!?]|&(#?\w+);")
_ANY_TAG = re.compile(r"<[^>]*>")


def clean_text(markup: str) -> str:
    """HTML to plain text: scripts and styles dropped, block tags become line breaks,
    entities decoded, runs of white space collapsed. Never raises, whatever the markup."""
    if not markup:
        return ""
    return _tidy(_html_to_text(markup) if _MARKUP.search(markup) else markup)


def as_text(value: str, *, plain: bool) -> str:
    """A field as plain text: `plain` text is only tidied ("Use &lt;b&gt;" stays
    "Use <b>"), anything else is HTML and goes through clean_text."""
    return _tidy(value) if plain else clean_text(value)


def title_text(text: str) -> str:
    """A title on one line: the source's line breaks and runs of spaces become one space."""
    return " ".join(text.split())[:_MAX_TITLE_CHARS]


def _tidy(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _html_to_text(markup: str) -> str:
    try:
        return _extract(markup)
    except AssertionError:
        # html.parser (Python <= 3.12) asserts on markup it cannot read, such as "<![ b";
        # read such a "<![" as text, and failing that strip tags the blunt way.
        try:
            return _extract(markup.replace("<![", "&lt;!["))
        except AssertionError:
            return html.unescape(_ANY_TAG.sub(" ", markup))


def _extract(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


# ------------------------------------------------------------------ helpers


def resolve_link(base: str, link: str | None) -> str | None:
    """`link` made absolute against `base`; None when empty or not a usable URL
    (e.g. "http://[oops/x", which urljoin refuses with ValueError)."""
    if not link or not link.strip():
        return None
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return None


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


# ------------------------------------------------------------------ discovery

_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        feed_type = values.get("type", "").lower() in _FEED_TYPES
        if "alternate" in rels and feed_type and values.get("href"):
            self.links.append(values["href"].strip())


def discover_feed_links(body: bytes, base_url: str) -> list[str]:
    """Feed addresses a web page announces with <link rel="alternate" type="...">."""
    finder = _AlternateLinks()
    finder.feed(body[:500_000].decode("utf-8", errors="replace"))
    resolved = (resolve_link(base_url, href) for href in finder.links)
    return list(dict.fromkeys(link for link in resolved if link))
