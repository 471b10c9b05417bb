"""A fast path for the common case: a well-formed RSS 2.0 or Atom 1.0 document in UTF-8.

feedparser is robust but pure Python (~1,000 items/s); a first poll of many feeds is bound
by it. Documents that parse strictly with lxml (C) and use nothing unusual are read here,
giving exactly what feedparser would (links and permalink guids resolved the same way,
feedparser's own date parser, the same summary/content/author rules; a test compares both
paths on every fixture). Anything else returns None and goes to feedparser: malformed XML,
DOCTYPEs and entities, other encodings, RSS 0.9x/1.0, xml:base, XHTML content.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from bot.models import FeedItem

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"}
)
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
# Item elements whose meaning is the same here and in feedparser. Anything else (media:,
# itunes:, dc:title, atom:link inside an item, ...) feedparser may map onto a field, so
# such documents take the slow path.
RSS_ITEM_TAGS = frozenset(
    {
        "title",
        "link",
        "guid",
        "description",
        "pubDate",
        "author",
        "category",
        "comments",
        "enclosure",
        "source",
        CONTENT_ENCODED,
        DC_CREATOR,
        DC_DATE,
        f"{WFW}commentRss",
        f"{WFW}comment",
        f"{SLASH}comments",
    }
)
ATOM_ENTRY_TAGS = frozenset(
    f"{ATOM}{name}"
    for name in [
        "id",
        "title",
        "link",
        "published",
        "updated",
        "summary",
        "content",
        "author",
        "category",
        "contributor",
        "rights",
    ]
)
_PROLOG = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")
_MAX_TITLE_CHARS = 1_000


def fast_parse(
    body: bytes, *, url: str, content_type: str, fetched_at: datetime
) -> tuple[str, str | None, int | None, str, list[FeedItem]] | None:
    """(title, link, ttl, kind, items) for a plain RSS 2.0 / Atom 1.0 document, else None."""
    from bot.feeds.parse import clean_text  # shared rules for markup -> text

    if content_type.split(";", 1)[0].strip().lower() not in XML_TYPES:
        return None
    if b"<!DOCTYPE" in body[:4096] or b"<!ENTITY" in body or b"xml:base" in body:
        return None
    declared = _PROLOG.match(body[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    if not body.lstrip().startswith((b"<?xml", b"<rss", b"<feed")):
        return None  # comments or junk before the root: feedparser's job (and its warning)
    try:
        body.decode("utf-8")
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=False
        )
        root = etree.fromstring(body, parser)
    except (UnicodeDecodeError, etree.XMLSyntaxError, ValueError):
        return None
    if root.tag == "rss" and root.get("version") == "2.0":
        return _rss(root, url, fetched_at, clean_text)
    if root.tag == f"{ATOM}feed":
        return _atom(root, url, fetched_at, clean_text)
    return None


def _rss(
    root: Any, url: str, fetched_at: datetime, clean: Any
) -> tuple[str, str | None, int | None, str, list[FeedItem]] | None:
    channel = root.find("channel")
    if channel is None:
        return None
    items = []
    for item in channel.iterfind("item"):
        if any(child.tag not in RSS_ITEM_TAGS for child in item):
            return None
        guid_el = item.find("guid")
        guid = _text(guid_el)
        permalink = guid_el is not None and _attr(guid_el, "ispermalink", "true") == "true"
        if guid and permalink:  # feedparser resolves permalink guids like links
            guid = urljoin(url, guid)
        raw_link = _text(item.find("link"))
        link = urljoin(url, raw_link) if raw_link else (guid if guid and permalink else None)
        summary = _raw(item.find("description"))
        content = _raw(item.find(CONTENT_ENCODED))
        if summary is None:
            summary = content
        published, fallback = _date(
            [_text(item.find("pubDate")), _text(item.find(DC_DATE))], fetched_at
        )
        author = _text(item.find(DC_CREATOR)) or _text(item.find("author"))
        items.append(
            FeedItem(
                guid=guid or None,
                link=link,
                title=clean(_raw(item.find("title")) or "")[:_MAX_TITLE_CHARS],
                summary=clean(summary or ""),
                content=clean(content or ""),
                published=published,
                published_is_fallback=fallback,
                author=author or None,
            )
        )
    if not all(i.title or i.link or i.guid or i.summary or i.content for i in items):
        return None  # feedparser's path skips empty items with a warning
    ttl = _text(channel.find("ttl"))
    return (
        clean(_raw(channel.find("title")) or "")[:_MAX_TITLE_CHARS],
        _text(channel.find("link")) or None,
        int(ttl) if ttl.isdigit() and int(ttl) > 0 else None,
        "rss20",
        items,
    )


def _atom(
    root: Any, url: str, fetched_at: datetime, clean: Any
) -> tuple[str, str | None, int | None, str, list[FeedItem]] | None:
    if any(el.get("type") == "xhtml" for el in root.iter()):
        return None
    items = []
    for entry in root.iterfind(f"{ATOM}entry"):
        if any(child.tag not in ATOM_ENTRY_TAGS for child in entry):
            return None
        guid = _text(entry.find(f"{ATOM}id"))
        if guid:  # feedparser treats an Atom id like an RSS permalink guid
            guid = urljoin(url, guid)
        link = _alternate(entry, url) or guid or None
        content = _raw(entry.find(f"{ATOM}content"))
        summary = _raw(entry.find(f"{ATOM}summary"))
        if summary is None:
            summary = content
        published, fallback = _date(
            [
                _text(entry.find(f"{ATOM}published")),
                _text(entry.find(f"{ATOM}updated")),
            ],
            fetched_at,
        )
        author = entry.find(f"{ATOM}author/{ATOM}name")
        items.append(
            FeedItem(
                guid=guid or None,
                link=link,
                title=clean(_raw(entry.find(f"{ATOM}title")) or "")[:_MAX_TITLE_CHARS],
                summary=clean(summary or ""),
                content=clean(content or ""),
                published=published,
                published_is_fallback=fallback,
                author=_text(author) or None,
            )
        )
    if not all(i.title or i.link or i.guid or i.summary or i.content for i in items):
        return None
    return (
        clean(_raw(root.find(f"{ATOM}title")) or "")[:_MAX_TITLE_CHARS],
        _alternate(root, url),
        None,
        "atom10",
        items,
    )


def _alternate(element: Any, base: str) -> str | None:
    for link in element.iterfind(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return urljoin(base, str(link.get("href")).strip())
    return None


def _date(values: list[str], fetched_at: datetime) -> tuple[datetime, bool]:
    from feedparser.datetimes import _parse_date  # the very parser the slow path uses

    for value in values:
        if not value:
            continue
        parsed = _parse_date(value)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC), False
            except (OverflowError, ValueError, OSError):
                continue
    return fetched_at, True


def _attr(element: Any, name: str, default: str) -> str:
    """An attribute by case-insensitive name, as feedparser reads them."""
    for key, value in element.attrib.items():
        if str(key).lower() == name:
            return str(value)
    return default


def _text(element: Any) -> str:
    if element is None:
        return ""
    return str(element.text or "").strip()


def _raw(element: Any) -> str | None:
    """An element's text as feedparser stores it (None when the element is absent)."""
    if element is None:
        return None
    if len(element):  # child elements: markup that was not escaped; keep it as markup
        inner = (element.text or "") + "".join(
            etree.tostring(child, encoding="unicode", with_tail=True) for child in element
        )
        return str(inner).strip()
    return str(element.text or "").strip()
