"""Earlier coverage: turn a known claim's `seen_in` (an article id or seed) into a link.

Platform-neutral: Discord and Slack render the same lookup in their own idiom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store import Store


@dataclass(frozen=True)
class EarlierItem:
    """An earlier article, as a link in "earlier coverage"."""

    title: str
    url: str | None
    source: str | None = None


EarlierLookup = Callable[[str], EarlierItem | None]


def earlier_from_store(store: Store) -> EarlierLookup:
    """Earlier-coverage links from the articles table."""

    def lookup(article_id: str) -> EarlierItem | None:
        row = store.get_article(article_id)
        if row is None:
            return None
        return EarlierItem(title=row["title"] or article_id, url=row["url"], source=row["source"])

    return lookup
