"""OPML 1.0/2.0 subscription lists: read the feeds out of one (one rule set), write one of ours."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from bot.errors import FeedError

MAX_OPML_BYTES = 1_000_000  # the one cap on an OPML file, wherever it comes from


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str = ""
    site_url: str = ""


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, in document order, nested folders included, each URL
    once. FeedError (a one-line reason) when the file is too big, declares entities (an
    entity-expansion bomb), is not XML, or is not <opml> with a <body>."""
    if len(data) > MAX_OPML_BYTES:
        raise FeedError(f"not an OPML file we read (more than {MAX_OPML_BYTES // 1000} KB)")
    if b"<!ENTITY" in data.upper():
        raise FeedError("not an OPML file we read (it declares XML entities)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FeedError(f"not an OPML file (invalid XML: {exc})") from None
    if root.tag.lower() != "opml" or root.find("body") is None:
        raise FeedError("not an OPML file (no <opml><body>)")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        title = (outline.get("title") or outline.get("text") or "").strip()
        feeds.append(OpmlFeed(url, title, (outline.get("htmlUrl") or "").strip()))
    return feeds


def write_opml(feeds: Sequence[OpmlFeed], *, now: datetime, title: str = "newsbot feeds") -> str:
    """An OPML 2.0 document listing `feeds`."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
