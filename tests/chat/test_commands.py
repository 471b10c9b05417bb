"""The platform-neutral command logic over a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.chat.commands import Commands
from bot.chat.feed_commands import FeedAdmin
from bot.feeds.manage import CheckedFeed, FeedCheckFailed
from bot.models import Feed
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


def article(store: Store, aid: str, status: str, **extra: object) -> None:
    verdict = {
        "summary": f"Summary of {aid}.",
        "signals": extra.pop("signals", []),
        "reason": extra.get("reason", ""),
        "claims": [],
    }
    row = {
        "id": aid,
        "kind": "seed" if status == "seed" else "feed",
        "url": f"https://news.example/{aid}",
        "title": f"Title {aid}",
        "source": "Example",
        "published": "2025-11-0" + str(len(aid) % 9 + 1) + "T10:00:00+00:00",
        "seen_at": NOW.isoformat(),
        "body": f"Body of {aid} about training data.",
        "status": status,
        "relevant": int(status not in ("not_relevant",)),
        "relevance": 0.2 if status == "not_relevant" else 0.8,
        "category": "lawsuit",
        "story_id": "getty",
        "verdict": json.dumps(verdict),
        **extra,
    }
    store.save_article(row)


@pytest.fixture
def commands(store: Store) -> Commands:
    article(store, "seed1", "seed")
    store.save_claims("seed1", [{"text": "The trial began in June.", "novel": True}])
    article(store, "new1", "alerted")
    store.save_claims(
        "new1",
        [
            {"text": "The judge ruled for Getty.", "novel": True},
            {"text": "The trial began in June.", "novel": False, "seen_in": "seed1"},
        ],
    )
    article(store, "same1", "nothing_new", reason="every claim was known")
    store.save_claims(
        "same1", [{"text": "The trial began in June.", "novel": False, "seen_in": "seed1"}]
    )
    article(store, "off1", "not_relevant", signals=["no training-data terms"], story_id=None)
    article(store, "dup1", "nothing_new", duplicate_of="new1")
    article(store, "old1", "recorded", story_id=None)
    store.enqueue(kind="alert", article_id="new1", destination="discord", payload={}, now=NOW)
    store.mark_sent(1, NOW, "1234")
    return Commands(store, lambda: NOW)


def facts(answer: object) -> dict[str, str]:
    return dict(answer.facts)  # type: ignore[attr-defined]


def test_why_explains_every_kind_of_decision(commands: Commands) -> None:
    off = commands.why("https://news.example/off1")
    assert facts(off)["Relevance score"] == "0.20"
    assert facts(off)["Signals"] == "no training-data terms"
    same = commands.why("same1")
    assert "nothing new" in facts(same)["Decision"]
    assert [i.text for i in same.items] == [
        "The trial began in June. — known from Title seed1 · Example · 2025-11-06"
    ]
    dup = commands.why("https://news.example/dup1?utm_source=x")
    assert facts(dup)["Duplicate of"].startswith("Title new1")
    posted = commands.why("new1")
    assert posted.items[0].text.startswith(
        "posted to discord at 2025-11-06 09:00 UTC (message 1234)"
    )
    never = commands.why("https://elsewhere.example/x")
    assert never.title == "Never seen" and not never.error


def test_article_shows_new_and_known_claims_with_their_first_source(commands: Commands) -> None:
    answer = commands.article("https://news.example/new1")
    assert [(i.title, i.text) for i in answer.items] == [
        ("New", "The judge ruled for Getty."),
        ("Known", "The trial began in June."),
    ]
    assert answer.items[1].meta == "seen first in Title seed1 · Example · 2025-11-06"
    assert commands.article("nothing-like-this").error


def test_story_by_id_or_by_words(commands: Commands) -> None:
    by_id = commands.story("getty")
    assert by_id.title == "Story getty" and len(by_id.items) == 4
    by_words = commands.story("Body of same1")
    assert by_words.title == "Story getty"
    assert commands.story("zzzz qqqq").error


def test_search_pages(commands: Commands) -> None:
    first = commands.search("training")
    assert len(first.items) == 5 and first.page is not None and first.page.has_next
    second = commands.search("training", page=2)
    assert second.page is not None and not second.page.has_next and len(second.items) == 1
    assert commands.search("()").error


def test_recent_lists_only_posted_alerts(commands: Commands) -> None:
    answer = commands.recent(10)
    assert [i.title for i in answer.items] == ["Title new1"]


def test_status_counts_feeds_and_the_outbox(store: Store, commands: Commands) -> None:
    store.sync_feeds([Feed(url="https://a.example/feed", name="A")], NOW)
    store.update_feed(
        "https://a.example/feed",
        {"consecutive_failures": 3, "last_error": "HTTP 500", "last_checked_at": NOW.isoformat()},
    )
    store.enqueue(kind="alert", article_id="x", destination="discord", payload={}, now=NOW)
    answer = commands.status()
    assert facts(answer)["Feeds"] == "0 healthy, 1 failing"
    assert facts(answer)["Outbox: discord"] == "1 waiting"
    assert facts(answer)["Last poll"] == "2025-11-06 09:00 UTC"
    assert answer.items[0].text == "HTTP 500"


async def test_feed_admin_add_remove_import(store: Store) -> None:
    changes = []

    async def changed() -> None:
        changes.append(len(store.feeds()))

    async def check(url: str) -> CheckedFeed:
        if "bad" in url:
            raise FeedCheckFailed(f"could not fetch {url}: HTTP 404")
        return CheckedFeed(url, "A feed", 3)

    commands = Commands(store, lambda: NOW, feed_admin=FeedAdmin(check=check, changed=changed))
    assert (await commands.feeds_add("ftp://x")).error
    bad = await commands.feeds_add("https://bad.example/feed")
    assert bad.error and "HTTP 404" in bad.text
    added = await commands.feeds_add("https://good.example/feed")
    assert (
        added.title == "Feed added"
        and store.get_feed("https://good.example/feed").title == "A feed"
    )
    assert (await commands.feeds_add("https://good.example/feed")).error  # already there
    assert commands.complete_feed("good") == [("A feed", "https://good.example/feed")]
    opml = (
        b'<opml><body><outline xmlUrl="https://good.example/feed"/>'
        b'<outline text="B" xmlUrl="https://b.example/rss"/>'
        b'<outline xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    imported = await commands.feeds_import(opml)
    assert imported.text == "1 feed(s) added, 2 skipped."
    assert [(i.title, i.meta) for i in imported.items] == [
        ("B", "added"),
        ("https://good.example/feed", "skipped: already watched"),
        (
            "file:///etc/passwd",
            "skipped: 'file:///etc/passwd' is not a web address (http:// or https://)",
        ),
    ]
    removed = await commands.feeds_remove("https://good.example/feed")
    assert removed.title == "Feed removed"
    assert (await commands.feeds_remove("https://good.example/feed")).error
    assert changes == [1, 2, 1]
    assert [f.url for f in store.feeds()] == ["https://b.example/rss"]


def test_story_shows_its_title_when_the_analysis_named_it(store: Store, commands: Commands) -> None:
    store.db["stories"].insert({"id": "getty", "title": "Getty Images v Stability AI"})
    assert commands.story("getty").title == "Getty Images v Stability AI (getty)"


def test_story_is_found_by_the_id_an_alert_shows_or_by_its_name(store: Store) -> None:
    for aid, story in (("a1", "story:000_296b9c6e5f52e666.txt"), ("b1", "story:dev-12")):
        article(store, aid, "alerted", story_id=story)
    store.db["stories"].insert({"id": "story:dev-12", "title": "Bartz v. Anthropic"})
    commands = Commands(store, lambda: NOW)
    wanted = {
        "story:dev-12": "story:dev-12",
        "dev-12": "story:dev-12",  # without the prefix
        "story:000_296b…txt": "story:000_296b9c6e5f52e666.txt",  # shortened for display
        "000_296b": "story:000_296b9c6e5f52e666.txt",  # the start of one id
        "bartz v. anthropic": "story:dev-12",  # its name, any case
        "Bartz": "story:dev-12",  # a part of its name
    }
    for ref, story_id in wanted.items():
        assert store.find_story(ref) == story_id, ref
    assert commands.story("Bartz v. Anthropic").title == "Bartz v. Anthropic (story:dev-12)"


def test_an_undated_seed_opens_its_story_timeline(store: Store) -> None:
    article(store, "s0", "seed", published=None, story_id="story:s0")  # loaded NOW, undated
    article(store, "f1", "alerted", story_id="story:s0")  # published before NOW
    items = Commands(store, lambda: NOW).story("story:s0").items
    assert [i.meta.split(" · ")[-1] for i in items] == ["s0", "f1"]
    assert "undated" in items[0].meta and NOW.date().isoformat() not in items[0].meta


def test_recent_is_newest_first_and_capped(store: Store, commands: Commands) -> None:
    for n in range(25):
        article(store, f"x{n:02}", "alerted", seen_at=f"2025-11-07T10:{n:02}:00+00:00")
    answer = commands.recent(50)
    assert len(answer.items) == 20
    assert answer.items[0].title == "Title x24"
