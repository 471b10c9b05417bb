"""What an alert needs from the store besides its outbox row, looked up BEFORE sending.

`alert_context` runs in a worker thread (the delivery loop calls it through
asyncio.to_thread for the rows of a pass), so no send, and nothing on the event loop,
ever waits for the store's lock. It resolves an alert's earlier coverage (article ids
or seed names in `Alert.earlier`) into titled links, and reads how the article's text
was obtained (`text_source`, `text_note`) when the row does not carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class EarlierItem:
    """An earlier article, as a link in "earlier coverage"."""

    title: str
    url: str | None
    source: str | None = None


@dataclass(frozen=True)
class AlertContext:
    """Looked up for one alert before it is sent."""

    earlier: tuple[EarlierItem, ...] = ()
    text_source: str | None = None  # "feed" or "page"
    text_note: str | None = None  # why that source (e.g. the publisher opted out of AI use)


class Articles(Protocol):
    """The one store call this needs (the Store implements it)."""

    def get_article(self, article_id: str) -> dict[str, Any] | None: ...


def alert_context(articles: Articles, payload: dict[str, Any]) -> AlertContext:
    """The context of one alert payload (blocking: call it in a worker thread)."""
    items = []
    for reference in payload.get("earlier") or ():
        row = articles.get_article(str(reference))
        if row is None:
            items.append(unresolved(str(reference)))
        else:
            items.append(
                EarlierItem(
                    title=row.get("title") or str(reference),
                    url=row.get("url"),
                    source=row.get("source"),
                )
            )
    source, note = payload.get("text_source"), payload.get("text_note")
    if source is None and payload.get("article_id"):
        row = articles.get_article(str(payload["article_id"]))
        if row is not None:
            source, note = row.get("text_source"), row.get("text_note")
    return AlertContext(
        earlier=tuple(items),
        text_source=str(source) if source else None,
        text_note=str(note) if note else None,
    )


def contexts(
    articles: Articles, messages: Sequence[tuple[int, str, dict[str, Any]]]
) -> dict[int, AlertContext]:
    """(outbox id, kind, payload) rows → the context of each alert among them."""
    return {
        mid: alert_context(articles, payload) for mid, kind, payload in messages if kind == "alert"
    }


def unresolved(reference: str) -> EarlierItem:
    """A reference the store does not know: a URL links to itself, anything else (a seed
    name) is shown as it is."""
    if reference.startswith(("http://", "https://")):
        host = reference.split("/", 3)[2].removeprefix("www.")
        return EarlierItem(title=host or reference, url=reference)
    return EarlierItem(title=reference, url=None)
