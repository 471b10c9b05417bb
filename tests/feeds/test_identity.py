"""Identity and dedup: edits never alert twice; the same link in two feeds is one article."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.feeds.identity import article_id, canonical_url
from bot.feeds.new_items import fresh_items, item_link, with_links
from bot.feeds.parse_pool import parse_with_links
from bot.models import Feed, FeedItem, FeedState
from tests.feeds.conftest import Rig
from tests.feedserver import rss

ITEM = ("Authors sue over training data", "https://news.example/story?id=1", "About training.")
WHEN = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)


def _item(**changes: object) -> FeedItem:
    base: dict[str, object] = {
        "guid": "g-1",
        "link": "https://news.example/a",
        "title": "Title",
        "summary": "",
        "content": "",
        "published": WHEN,
    }
    base.update(changes)
    return FeedItem(**base)  # type: ignore[arg-type]


def test_ids_prefer_guid_then_link_then_title_and_date() -> None:
    feed = "https://feed.example/rss"
    by_guid = article_id(_item(), feed)
    assert article_id(_item(title="Edited", published=datetime.now(UTC)), feed) == by_guid
    assert article_id(_item(link="https://news.example/moved"), feed) == by_guid
    assert article_id(_item(), "https://other.example/rss") != by_guid  # guids are per feed
    by_link = article_id(_item(guid=None), feed)
    assert article_id(_item(guid=None, link="https://NEWS.example/a?utm_source=x"), feed) == by_link
    assert article_id(_item(guid=None), "https://other.example/rss") == by_link  # links global
    by_text = article_id(_item(guid=None, link=None), feed)
    assert article_id(_item(guid=None, link=None, title="  title "), feed) == by_text
    assert len({by_guid, by_link, by_text}) == 3


def test_canonical_url_drops_tracking_and_normalises() -> None:
    assert (
        canonical_url("HTTPS://News.Example:443/a/b?utm_source=rss&b=2&a=1&fbclid=x#section")
        == "https://news.example/a/b?a=1&b=2"
    )
    assert canonical_url("http://news.example:8080") == "http://news.example:8080/"
    assert canonical_url("https://x.example:notaport/a") == "https://x.example:notaport/a"


def test_the_parse_works_out_canonical_links_the_same_as_the_poll_would() -> None:
    body = rss(
        ("One", "https://NEWS.example:443/a?utm_source=x&amp;b=2&amp;a=1#top", "About one."),
        ("Two", "https://news.example/b?fbclid=1", "About two."),
    ).encode()
    parsed = parse_with_links(body, url="https://feed.example/rss", headers={}, fetched_at=WHEN)
    links = [i.canonical_link for i in parsed.items]
    assert links == ["https://news.example/a?a=1&b=2", "https://news.example/b"]
    assert links == [canonical_url(i.link or "") for i in parsed.items]
    # An item built elsewhere (no link worked out) gets the same link from the poll.
    assert item_link(_item(link="https://news.example/b?fbclid=1")) == links[1]
    assert item_link(_item(link=None)) is None


def test_fresh_items_are_the_same_with_and_without_links_worked_out() -> None:
    feed = Feed(
        url="https://feed.example/rss",
        name="",
        title="",
        interval_minutes=None,
        backfill=0,
        origin="config",
        added_at=WHEN,
        paused=False,
        state=FeedState(first_poll_done=True),
    )
    items = [
        _item(guid=None, link="https://news.example/a?utm_source=1"),
        _item(guid=None, link="https://NEWS.example/a", title="Again"),  # the same article
        _item(guid="g-2", link="https://news.example/known?ref=x"),
        _item(guid="g-3", link="https://news.example/c"),
    ]

    def known(
        _feed: str, _ids: Sequence[str], urls: Sequence[str], _guids: Sequence[str]
    ) -> tuple[set[str], set[str], set[str]]:
        return set(), {u for u in urls if u.endswith("/known")}, set()

    plain = fresh_items(feed, items, known)
    linked = fresh_items(feed, with_links(items), known)
    assert [a for a, _ in plain] == [a for a, _ in linked] and len(linked) == 2
    assert [i.link for _, i in linked] == ["https://news.example/a?utm_source=1", items[3].link]


async def test_edited_title_and_date_never_alert_twice(rig: Rig) -> None:
    url = rig.add("/edits.xml", rss(ITEM))
    first = await rig.pipeline.poll_feed(url)
    assert first.alerts == 1
    edited = ("Authors sue over training data (updated)", ITEM[1], ITEM[2] + " More.")
    rig.server.serve("/edits.xml", rss(edited, date="Tue, 04 Nov 2025 12:00:00 GMT"))
    second = await rig.pipeline.poll_feed(url)
    assert second.ok and second.new_articles == 0 and second.alerts == 0
    assert rig.store.count("articles") == 1


async def test_edited_guid_with_the_same_link_is_not_new(rig: Rig) -> None:
    body = rss(ITEM, guids=False).replace(
        "<link>", "<guid isPermaLink='false'>old-guid</guid><link>"
    )
    url = rig.add("/guid.xml", body)
    assert (await rig.pipeline.poll_feed(url)).alerts == 1
    rig.server.serve("/guid.xml", body.replace("old-guid", "new-guid"))
    again = await rig.pipeline.poll_feed(url)
    assert again.new_articles == 0 and rig.store.count("articles") == 1


async def test_edited_link_with_the_same_guid_is_not_new(rig: Rig) -> None:
    body = rss(ITEM, guids=False).replace("<link>", "<guid isPermaLink='false'>g-7</guid><link>")
    url = rig.add("/link.xml", body)
    await rig.pipeline.poll_feed(url)
    rig.server.serve("/link.xml", body.replace("story?id=1", "story-renamed"))
    again = await rig.pipeline.poll_feed(url)
    assert again.new_articles == 0 and rig.store.count("articles") == 1


async def test_same_link_in_two_feeds_is_one_article_even_with_tracking(rig: Rig) -> None:
    one = rig.add("/one.xml", rss(ITEM))
    tracked = (ITEM[0], ITEM[1] + "&utm_source=feed2&utm_medium=rss", ITEM[2])
    two = rig.add("/two.xml", rss(tracked, title="Other outlet"))
    results = await rig.pipeline.run_once()
    assert sorted(r.new_articles for r in results) == [0, 1]
    assert rig.store.count("articles") == 1
    assert rig.store.outbox_length() == 2  # one alert, for each of the two destinations
    # And later polls of either feed add nothing.
    rig.server.serve("/two.xml", rss(tracked, title="Other outlet", date="Wed, 05 Nov 2025"))
    assert (await rig.pipeline.poll_feed(two)).new_articles == 0
    assert (await rig.pipeline.poll_feed(one)).ok


async def test_a_guid_reused_for_many_items_does_not_hide_them(rig: Rig) -> None:
    items = [
        (f"Training story {i}", f"https://news.example/{i}", "About training.") for i in range(3)
    ]
    body = rss(*items, guids=False).replace("<link>", "<guid>same</guid><link>")
    url = rig.add("/sameguid.xml", body)
    result = await rig.pipeline.poll_feed(url)
    assert result.new_articles == 3


async def test_items_without_guid_or_link_use_title_and_date(rig: Rig) -> None:
    body = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><title>Training note</title><description>About training data.</description>"
        "<pubDate>Mon, 03 Nov 2025 10:00:00 GMT</pubDate></item></channel></rss>"
    )
    url = rig.add("/bare.xml", body)
    assert (await rig.pipeline.poll_feed(url)).new_articles == 1
    rig.server.serve("/bare.xml", body + " ")  # a new body, the same item
    assert (await rig.pipeline.poll_feed(url)).new_articles == 0


async def test_first_poll_records_everything_without_alerting(rig: Rig) -> None:
    url = rig.add("/fresh.xml", rss(ITEM), polled=False)
    result = await rig.pipeline.poll_feed(url)
    assert result.new_articles == 1 and result.alerts == 0 and rig.judge.judged == []
    row = rig.store.articles(kind="feed")[0]
    assert row["status"] == "recorded" and "first poll" in row["reason"]


async def test_unchanged_body_without_304_is_not_parsed_again(rig: Rig) -> None:
    url = rig.add("/noetag.xml", rss(ITEM), etag=False)
    await rig.pipeline.poll_feed(url)
    second = await rig.pipeline.poll_feed(url)
    assert second.ok and second.not_modified
    feed = rig.store.get_feed(url)
    assert feed is not None and feed.state.last_status == "unchanged"
