"""Full text only where the publisher allows it: robots.txt, noai, TDMRep; else feed text."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.feeds.fetch import Fetcher, make_client
from bot.feeds.fulltext import FullText, FullTextSettings, opt_out_reason
from bot.feeds.state import PollSettings
from bot.pipeline import Pipeline
from tests.feeds.conftest import TEST_FETCH, Clock, Rig
from tests.feedserver import FeedServer, rss

PARAGRAPHS = "".join(
    f"<p>Paragraph {i}: the court heard that the model was trained on the publisher's archive"
    " of news articles without a licence, and the publisher asked for damages.</p>"
    for i in range(8)
)
ARTICLE = (
    "<!doctype html><html><head><title>Story</title>{meta}</head><body>"
    "<nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>"
    f"<article><h1>Publisher sues over training</h1>{PARAGRAPHS}</article>"
    "<footer>Subscribe to our newsletter</footer></body></html>"
)
TEASER = "The publisher sued."


@pytest.fixture
async def full_text(server: FeedServer) -> AsyncIterator[FullText]:
    async with make_client(TEST_FETCH) as client:
        yield FullText(Fetcher(client, TEST_FETCH), FullTextSettings(teaser_chars=200), Clock())


def _page(server: FeedServer, path: str, meta: str = "", **kw: object) -> str:
    return server.serve(path, ARTICLE.format(meta=meta), content_type="text/html", **kw)


async def test_allowed_page_gives_the_main_text(server: FeedServer, full_text: FullText) -> None:
    server.serve("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    url = _page(server, "/news/1")
    page = await full_text.text_for(url, TEASER)
    assert page.source == "page" and "robots.txt allows" in (page.note or "")
    assert (
        "Paragraph 7" in page.text and "Subscribe" not in page.text and "About us" not in page.text
    )


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        ("User-agent: newsbot\nDisallow: /\n", False),
        ("User-agent: *\nDisallow: /news/\n", False),
        ("User-agent: *\nDisallow: /\n\nUser-agent: newsbot\nAllow: /\n", True),
        ("User-agent: GPTBot\nDisallow: /\n", True),
    ],
)
async def test_robots_txt_decides(
    server: FeedServer, full_text: FullText, robots: str, allowed: bool
) -> None:
    server.serve("/robots.txt", robots, content_type="text/plain")
    url = _page(server, "/news/2")
    page = await full_text.text_for(url, TEASER)
    assert (page.source == "page") is allowed
    if not allowed:
        assert page.text == TEASER and "robots.txt" in (page.note or "")
        assert "/news/2" not in server.hits  # the page itself was never fetched


RFC_9309 = (
    "User-agent: *\n"
    "Disallow: /\n"
    "Allow: /public\n"
    "Disallow: /public/drafts\n"
    "\n"
    "User-agent: newsbot\n"
    "Allow: /\n"
    "Disallow: /*.pdf$\n"
    "Disallow: /*/print\n"
    "Disallow: /news\n"
    "Allow: /news/open\n"
)
LONGEST_MATCH = "User-agent: *\nDisallow: /\nAllow: /public\nDisallow: /public/drafts\n"


@pytest.mark.parametrize(
    ("robots", "path", "allowed"),
    [
        # `$` anchors the end of the path; `*` matches any run of characters
        (RFC_9309, "/files/report.pdf", False),
        (RFC_9309, "/files/report.pdf?download=1", True),
        (RFC_9309, "/files/report.pdfx", True),
        (RFC_9309, "/2025/story/print", False),
        (RFC_9309, "/print-edition", True),
        # the longest matching rule wins, whichever comes first in the file
        (RFC_9309, "/news/closed", False),
        (RFC_9309, "/news/open/today", True),
        (LONGEST_MATCH, "/public/story", True),  # Allow: /public under Disallow: /
        (LONGEST_MATCH, "/public/drafts/story", False),
        (LONGEST_MATCH, "/private/story", False),
    ],
)
async def test_robots_txt_follows_rfc_9309(
    server: FeedServer, full_text: FullText, robots: str, path: str, allowed: bool
) -> None:
    server.serve("/robots.txt", robots, content_type="text/plain")
    url = server.url(path)
    assert (await full_text.robots_allows(url))[0] is allowed


async def test_missing_robots_allows_and_unreachable_robots_forbids(
    server: FeedServer, full_text: FullText
) -> None:
    url = _page(server, "/news/3")
    assert (await full_text.text_for(url, TEASER)).source == "page"  # 404: no rules
    server2_url = url.replace("127.0.0.1", "localhost")  # another host, its robots.txt fails
    server.serve("/robots.txt", "boom", status=503)
    page = await full_text.text_for(server2_url, TEASER)
    assert page.source == "feed" and "could not be read" in (page.note or "")


async def test_robots_txt_is_cached_per_host(server: FeedServer, full_text: FullText) -> None:
    server.serve("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    for i in range(3):
        await full_text.text_for(_page(server, f"/n/{i}"), TEASER)
    assert server.count("/robots.txt") == 1


@pytest.mark.parametrize(
    ("meta", "headers", "reason"),
    [
        ("", {"X-Robots-Tag": "noai, noimageai"}, "X-Robots-Tag"),
        ("", {"X-Robots-Tag": "newsbot: noai"}, "X-Robots-Tag"),
        ("", {"tdm-reservation": "1"}, "tdm-reservation header"),
        ('<meta name="robots" content="index, noai">', {}, 'meta name="robots"'),
        ('<meta name="tdm-reservation" content="1">', {}, "tdm-reservation meta"),
    ],
)
async def test_ai_opt_outs_are_respected(
    server: FeedServer, full_text: FullText, meta: str, headers: dict[str, str], reason: str
) -> None:
    url = _page(server, "/optout", meta, headers=headers)
    page = await full_text.text_for(url, TEASER)
    assert page.source == "feed" and page.text == TEASER
    assert reason in (page.note or "")


def test_opt_outs_for_other_bots_do_not_apply() -> None:
    assert opt_out_reason({"X-Robots-Tag": "otherbot: noai"}, b"") is None
    assert opt_out_reason({"tdm-reservation": "0"}, b"") is None
    body = b'<html><head></head><body><meta name="robots" content="noai"></body></html>'
    assert opt_out_reason({}, body) is None  # only the head counts


async def test_long_feed_text_and_disabled_setting_skip_fetching(
    server: FeedServer, full_text: FullText
) -> None:
    url = _page(server, "/long")
    long_text = "word " * 100
    page = await full_text.text_for(url, long_text)
    assert page.source == "feed" and page.note is None and server.hits == []
    async with make_client(TEST_FETCH) as client:
        off = FullText(Fetcher(client, TEST_FETCH), FullTextSettings(enabled=False), Clock())
        page = await off.text_for(url, TEASER)
    assert page.source == "feed" and "turned off" in (page.note or "") and server.hits == []


async def test_page_too_big_falls_back_to_the_feed(server: FeedServer) -> None:
    url = _page(server, "/huge")
    async with make_client(TEST_FETCH) as client:
        small = FullText(
            Fetcher(client, TEST_FETCH),
            FullTextSettings(teaser_chars=200, max_page_bytes=1024),
            Clock(),
        )
        page = await small.text_for(url, TEASER)
    assert page.source == "feed" and "could not be fetched" in (page.note or "")


async def test_robots_entry_expires(server: FeedServer) -> None:
    clock = Clock()
    server.serve("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    settings = FullTextSettings(teaser_chars=200, robots_cache=timedelta(hours=1))
    async with make_client(TEST_FETCH) as client:
        ft = FullText(Fetcher(client, TEST_FETCH), settings, clock)
        await ft.text_for(_page(server, "/e1"), TEASER)
        clock.advance(hours=2)
        await ft.text_for(_page(server, "/e2"), TEASER)
    assert server.count("/robots.txt") == 2


async def test_pipeline_stores_where_the_text_came_from(rig: Rig) -> None:
    rig.server.serve(
        "/robots.txt", "User-agent: *\nDisallow: /blocked/\n", content_type="text/plain"
    )
    open_url = _page(rig.server, "/open/1")
    blocked_url = _page(rig.server, "/blocked/1")
    feed = rig.add(
        "/teasers.xml",
        rss(
            ("Training suit one", open_url, "Teaser about training."),
            ("Training suit two", blocked_url, "Another teaser about training."),
        ),
    )
    pipeline = Pipeline(
        rig.store,
        Fetcher(rig.client, TEST_FETCH),
        rig.judge,
        ["console"],
        rig.clock,
        article_text=FullText(
            Fetcher(rig.client, TEST_FETCH), FullTextSettings(teaser_chars=200), rig.clock
        ),
    )
    result = await pipeline.poll_feed(feed)
    assert result.new_articles == 2
    rows = {r["url"]: r for r in rig.store.articles(kind="feed")}
    assert rows[open_url]["text_source"] == "page" and "Paragraph 3" in rows[open_url]["body"]
    assert rows[blocked_url]["text_source"] == "feed"
    assert "robots.txt" in rows[blocked_url]["text_note"]
    assert rows[blocked_url]["body"] == "Another teaser about training."


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FullTextSettings().enabled = False  # type: ignore[misc]


async def test_page_fetches_and_items_per_poll_are_capped_and_the_rest_waits(rig: Rig) -> None:
    # 60 teasers: 40 on the feed's own host, 20 on another (localhost: same server, other
    # host name). Caps: 25 items per poll, 10 pages per poll, 4 per host.
    rig.server.serve("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    links = [_page(rig.server, f"/story/{i}") for i in range(60)]
    links = [u.replace("127.0.0.1", "localhost") if i % 3 == 0 else u for i, u in enumerate(links)]
    items = [(f"Training suit {i}", u, f"Teaser {i} about training.") for i, u in enumerate(links)]
    feed = rig.add("/many.xml", rss(*items))
    pipeline = Pipeline(
        rig.store,
        Fetcher(rig.client, TEST_FETCH),
        rig.judge,
        ["console"],
        rig.clock,
        settings=PollSettings(max_items_per_poll=25),
        article_text=FullText(
            Fetcher(rig.client, TEST_FETCH),
            FullTextSettings(teaser_chars=200, max_pages_per_poll=10, max_pages_per_host=4),
            rig.clock,
        ),
    )

    def page_hits() -> int:
        return sum(1 for hit in rig.server.hits if hit.startswith("/story/"))

    per_poll: list[int] = []
    for _ in range(20):
        before = page_hits()
        result = await pipeline.poll_feed(feed)
        per_poll.append(page_hits() - before)
        assert result.ok
        if not result.waiting:
            break
        rig.clock.advance(hours=1)
    assert per_poll[0] == 8  # 4 from each of the two hosts, under the 10-page cap
    assert max(per_poll) <= 8
    rows = rig.store.articles(kind="feed")
    assert sorted(r["url"] for r in rows) == sorted(links)  # none lost, none twice
    assert {r["text_source"] for r in rows} == {"page"}  # none analysed without its page
    assert sum(per_poll) == 60  # each page fetched once
