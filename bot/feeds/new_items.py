"""Which items of a parsed feed are new, and what a poll does with them. Pure.

An item is known by its stable id, by its guid in this feed, or by its canonical link in
any feed (bot.feeds.identity). A feed's first poll only records what is already there,
except the newest `backfill` items; at most `max_items` are assessed per poll and the rest
wait for a later one.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.feeds.identity import article_id, canonical_url
from bot.models import Article, Feed, FeedItem
from bot.store.bodies import pack

# (feed url, ids, canonical urls, guids) -> the known ids, urls and guids among them
KnownItems = Callable[
    [str, Sequence[str], Sequence[str], Sequence[str]], tuple[set[str], set[str], set[str]]
]


@dataclass(frozen=True)
class NewArticle:
    """A new article on its way to the analysis, with the row fields only the store needs."""

    article: Article
    extra: dict[str, Any]


@dataclass(frozen=True)
class NewItems:
    """A poll's new items: those only recorded (first poll), those to assess, and how many
    wait for a later poll (over the items or page-fetch caps)."""

    record: tuple[tuple[str, FeedItem], ...] = ()
    assess: tuple[NewArticle, ...] = ()
    waiting: int = 0


def fresh_items(
    feed: Feed, items: Sequence[FeedItem], known_items: KnownItems
) -> list[tuple[str, FeedItem]]:
    """New items (with their ids), newest first, each once."""
    url = feed.url
    guid_counts = Counter(item.guid for item in items if item.guid)
    keyed = [
        (article_id(item, url, use_guid=guid_counts[item.guid or ""] == 1), item, item_link(item))
        for item in items
    ]
    known_ids, known_urls, known_guids = known_items(
        url,
        [aid for aid, _, _ in keyed],
        [link for _, _, link in keyed if link],
        [i.guid for _, i, _ in keyed if i.guid],
    )
    fresh: dict[str, FeedItem] = {}
    seen_urls: set[str] = set()
    for aid, item, link in keyed:
        if aid in known_ids or aid in fresh or (link and (link in known_urls or link in seen_urls)):
            continue
        if item.guid and guid_counts[item.guid] == 1 and item.guid in known_guids:
            continue
        fresh[aid] = item
        if link:
            seen_urls.add(link)
    # Newest first, so a backfill analyses the newest N.
    return sorted(fresh.items(), key=lambda pair: pair[1].published, reverse=True)


def item_link(item: FeedItem) -> str | None:
    """The item's canonical link: as its parse worked it out, else worked out here."""
    if item.canonical_link is not None:
        return item.canonical_link
    return canonical_url(item.link) if item.link else None


def with_links(items: Sequence[FeedItem]) -> tuple[FeedItem, ...]:
    """The items with their canonical links and stored texts filled in (run where the feed
    is parsed: both are per-item work the poll's own process then need not do)."""
    out = []
    for item in items:
        text = longer_text(item)
        out.append(
            dataclasses.replace(
                item,
                canonical_link=canonical_url(item.link) if item.link else None,
                stored_text=(text, pack(text)),
            )
        )
    return tuple(out)


def longer_text(item: FeedItem) -> str:
    """The text an item's article is analysed on: the longer of content and summary."""
    return item.content if len(item.content) > len(item.summary) else item.summary


def split_new(
    feed: Feed, fresh: Sequence[tuple[str, FeedItem]], max_items: int
) -> tuple[list[tuple[str, FeedItem]], list[tuple[str, FeedItem]], int]:
    """(to record only, to assess, how many wait): a first poll records all but the newest
    `backfill`; at most `max_items` are assessed, so a feed of 10,000 new teasers is
    worked off over several polls instead of making 10,000 page requests in one."""
    first_poll = not feed.state.first_poll_done
    to_assess = list(fresh) if not first_poll else list(fresh[: feed.backfill])
    to_record = [] if not first_poll else list(fresh[feed.backfill :])
    taken = to_assess[:max_items]
    return to_record, taken, len(to_assess) - len(taken)


def article_of(aid: str, item: FeedItem, feed: Feed) -> Article:
    """The Article an item of this feed becomes (its longer text: content or summary)."""
    text = longer_text(item)
    return Article(
        id=aid,
        title=item.title,
        url=item_link(item),
        source=feed.name or feed.title or feed.url,
        published=item.published,
        text=text,
        feed_url=feed.url,
        stored_text=item.stored_text,
    )
