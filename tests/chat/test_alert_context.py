"""Earlier coverage and the snippet note are read before a send, never during one."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from bot.chat.base import OutgoingMessage
from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.models import Alert, Claim, alert_to_payload
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


class WatchedConsole(ConsoleDestination):
    """The console, noting whether a send is in progress."""

    def __init__(self, out: io.StringIO) -> None:
        super().__init__(out)
        self.sending = False

    async def send(self, message: OutgoingMessage) -> str | None:
        self.sending = True
        try:
            return await super().send(message)
        finally:
            self.sending = False


def _article(aid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "kind": "feed",
        "url": f"https://news.example/{aid}",
        "title": f"Article {aid}",
        "source": "Example",
        "seen_at": NOW.isoformat(),
        **extra,
    }


async def test_the_alert_shows_earlier_coverage_and_the_snippet_note_read_before_sending(
    store: Store,
) -> None:
    store.save_article(_article("old1", title="Getty sues Stability"))
    store.save_article(
        _article(
            "new1",
            text_source="feed",
            text_note="the page opts out of AI use (X-Robots-Tag: noai)",
        )
    )
    alert = Alert(
        article_id="new1",
        title="Getty appeals",
        url="https://news.example/new1",
        source="Example",
        published=NOW,
        category="lawsuit",
        story="s1",
        summary="",
        new_claims=(Claim(text="Getty appealed on Monday.", novel=True),),
        earlier=("old1",),
    )
    store.enqueue(
        kind="alert",
        article_id="new1",
        destination="console",
        payload=alert_to_payload(alert),
        now=NOW,
    )
    out = io.StringIO()
    console = WatchedConsole(out)
    reads_during_send: list[str] = []
    read = store.get_article

    def get_article(article_id: str) -> dict[str, Any] | None:
        if console.sending:
            reads_during_send.append(article_id)
        return read(article_id)

    store.get_article = get_article  # type: ignore[method-assign]
    report = await Delivery(store, [console], lambda: NOW).deliver_due()
    assert report.sent == 1
    text = out.getvalue()
    assert "Getty sues Stability (Example) https://news.example/old1" in text
    assert "Only the feed's snippet could be analysed: the page opts out of AI use" in text
    assert reads_during_send == []
