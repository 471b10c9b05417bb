"""/news feeds pause|resume|interval|preview on Slack: signed requests to the real Bolt app
over HTTP, answers on the fake's response_url, a real feed server and the real analysis
behind the preview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.analysis.assess import build_assessor
from bot.analysis.relevance_model import load_model
from bot.chat.commands import Commands
from bot.chat.feed_commands import FeedAdmin
from bot.demo.content import load_content
from bot.feeds.fetch import Fetcher, make_client
from bot.feeds.parse_pool import FeedParser
from bot.feeds.preview import web_preview
from bot.store import Store
from tests.chat.slack_fixtures import Asker, SlackAsker, text_of
from tests.feeds.conftest import TEST_FETCH
from tests.feedserver import FeedServer

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DEMO = load_content()


@pytest.fixture
async def asker(store: Store, slack_asker: SlackAsker) -> AsyncIterator[Asker]:
    parser = FeedParser()
    async with make_client(TEST_FETCH) as client:
        fetcher = Fetcher(client, TEST_FETCH)
        preview = web_preview(
            fetcher, parser, build_assessor(0.5, load_model()), store, lambda: NOW
        )
        admin = FeedAdmin(default_interval=30, interval_bounds=(10, 600), preview=preview)
        try:
            yield await slack_asker(Commands(store, lambda: NOW, feed_admin=admin))
        finally:
            parser.close()


@pytest.fixture
def feed(store: Store) -> str:
    url = "https://feeds.example/ai.xml"
    store.add_feed(url, name="AI feed", now=NOW)
    return url


async def test_members_cannot_change_or_preview_feeds(asker: Asker, feed: str) -> None:
    for text in (
        f"feeds pause {feed}",
        f"feeds resume {feed}",
        f"feeds interval {feed} 60",
        f"feeds preview {feed}",
    ):
        answer = await asker.ask(text, user="UMEMBER")
        assert answer["response_type"] == "ephemeral"
        assert "Only workspace admins and owners" in answer["text"]


async def test_pause_resume_and_interval_change_the_stored_feed(
    asker: Asker, store: Store, feed: str
) -> None:
    paused = await asker.ask(f"feeds pause <{feed}>", user="UADMIN")
    assert paused["response_type"] == "in_channel"
    assert "AI feed is paused" in text_of(paused)
    stored = store.get_feed(feed)
    assert stored is not None and stored.paused
    listed = await asker.ask("feeds list", user="UADMIN")
    assert "paused: not polled until /news feeds resume" in text_of(listed)
    status = await asker.ask("status", user="UMEMBER")
    assert "0 healthy, 0 failing, 1 paused" in text_of(status)

    slow = await asker.ask(f"feeds interval {feed} 601", user="UADMIN")
    assert slow["response_type"] == "ephemeral"
    assert "The interval must be 10 to 600 minutes" in text_of(slow)
    retimed = await asker.ask(f"feeds interval {feed} 120", user="UADMIN")
    assert "AI feed is polled every 120 minutes. It is paused" in text_of(retimed)
    stored = store.get_feed(feed)
    assert stored is not None and stored.interval_minutes == 120

    resumed = await asker.ask(f"feeds resume {feed}", user="UADMIN")
    assert "AI feed is polled again, every 120 minutes." in text_of(resumed)
    stored = store.get_feed(feed)
    assert stored is not None and not stored.paused

    for text, usage in (
        ("feeds pause", "Usage: /news feeds pause <URL>"),
        (f"feeds interval {feed} soon", "Usage: /news feeds interval <URL> <minutes>"),
        (f"feeds preview {feed} many", "Usage: /news feeds preview <URL> [items, 1 to 10]"),
        ("feeds resume https://other.example/feed", "That feed is not in the list"),
    ):
        answer = await asker.ask(text, user="UADMIN")
        assert answer["response_type"] == "ephemeral"
        assert usage in text_of(answer)


async def test_preview_is_a_dry_run_only_the_admin_sees(
    asker: Asker, store: Store, feeds: FeedServer
) -> None:
    url = feeds.serve("/wire.xml", DEMO.rss("wire", 2))
    preview = await asker.ask(f"feeds preview {url} 2", user="UADMIN")
    assert preview["response_type"] == "ephemeral"
    text = text_of(preview)
    assert "Preview: Demo Wire (invented stories for the newsbot demo)" in text
    assert "The newest 2 of its 3 items" in text and "1 would be posted" in text
    assert "would post: 5 new claim(s)" in text
    assert "would not post: not about AI training-data disputes" in text
    assert "Not watched yet" in text
    assert store.find_feed(url) is None
    assert store.count("articles") == 0 and store.outbox_length() == 0

    broken = await asker.ask(f"feeds preview {feeds.url('/gone.xml')}", user="UADMIN")
    assert broken["response_type"] == "ephemeral"
    assert "That does not look like a working feed: could not fetch" in text_of(broken)
