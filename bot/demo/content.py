"""The demo's articles (data/articles.toml) as values, and each feed as RSS at a round."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree

DATA_FILE = Path(__file__).parent / "data" / "articles.toml"
LINK_BASE = "https://demo.newsbot.invalid"  # .invalid: a link no one can follow by mistake


@dataclass(frozen=True)
class DemoFeed:
    key: str  # served at /feeds/<key>.xml
    name: str  # how alerts name the source
    title: str  # the feed's own title


@dataclass(frozen=True)
class DemoArticle:
    id: str
    feed: str  # a DemoFeed key
    round: int  # first round in which the feed carries it
    role: str  # what it shows: "already there", "new story", "off topic", ...
    published: datetime
    title: str
    text: str

    @property
    def link(self) -> str:
        return f"{LINK_BASE}/{self.feed}/{self.id}"


@dataclass(frozen=True)
class DemoContent:
    feeds: tuple[DemoFeed, ...]
    articles: tuple[DemoArticle, ...]

    @property
    def rounds(self) -> int:
        return max(a.round for a in self.articles)

    def feed(self, key: str) -> DemoFeed:
        return next(f for f in self.feeds if f.key == key)

    def in_round(self, number: int) -> list[DemoArticle]:
        """The articles that appear in round `number`."""
        return [a for a in self.articles if a.round == number]

    def by_role(self, role: str) -> DemoArticle:
        return next(a for a in self.articles if a.role == role)

    def rss(self, key: str, round_number: int) -> bytes:
        """Feed `key` as RSS 2.0 at a round: every article published by then, newest first."""
        feed = self.feed(key)
        rss = ElementTree.Element("rss", version="2.0")
        channel = ElementTree.SubElement(rss, "channel")
        ElementTree.SubElement(channel, "title").text = feed.title
        ElementTree.SubElement(channel, "link").text = f"{LINK_BASE}/{key}/"
        ElementTree.SubElement(channel, "description").text = "Invented stories; none is real."
        shown = [a for a in self.articles if a.feed == key and a.round <= round_number]
        for article in sorted(shown, key=lambda a: a.published, reverse=True):
            item = ElementTree.SubElement(channel, "item")
            ElementTree.SubElement(item, "title").text = article.title
            ElementTree.SubElement(item, "link").text = article.link
            ElementTree.SubElement(item, "guid", isPermaLink="false").text = f"demo:{article.id}"
            ElementTree.SubElement(item, "pubDate").text = format_datetime(article.published)
            ElementTree.SubElement(item, "description").text = article.text
        body: bytes = ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)
        return body


def load_content(path: Path = DATA_FILE) -> DemoContent:
    """The bundled demo articles (a text's line breaks become spaces)."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    feeds = tuple(DemoFeed(f["key"], f["name"], f["title"]) for f in data["feeds"])
    articles = tuple(
        DemoArticle(
            id=a["id"],
            feed=a["feed"],
            round=int(a["round"]),
            role=a["role"],
            published=a["published"],
            title=a["title"],
            text=" ".join(a["text"].split()),
        )
        for a in data["articles"]
    )
    return DemoContent(feeds, articles)
