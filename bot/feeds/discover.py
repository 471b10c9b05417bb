"""Feed discovery: the feed addresses a web page announces."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.feeds.markup import resolve_link

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
