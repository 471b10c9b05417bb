"""Every fault mode of the feed server: the poll cycle completes, the other feeds are not
affected, the error is recorded on the feed, and the feed is tried again later and recovers."""

from __future__ import annotations

import io
import json

import pytest

from bot.chat.console import ConsoleDestination
from bot.chat.delivery import Delivery
from bot.feeds.fetch import Fetcher
from bot.feeds.state import PollSettings
from bot.pipeline import Pipeline
from tests.feeds.conftest import TEST_FETCH, Rig
from tests.feedserver import ENTITY_BOMB, rss

GOOD_ITEM = ("Authors sue over training", "https://news.example/a", "A suit over training data.")
LATER_ITEM = (
    "Publisher licence for training",
    "https://news.example/later",
    "A publisher licensed its archive for training models.",
)
BIG = rss(*[(f"Item {i}", f"https://big.example/{i}", "x" * 500) for i in range(200)])
HTML_PAGE = (
    "<!doctype html><html><head><title>Home</title>"
    '<link rel="alternate" type="application/rss+xml" href="/real-feed.xml"></head>'
    "<body><p>Welcome</p></body></html>"
)
INVALID_XML = "<rss version='2.0'><channel><title>Broken & bad</title><item><title>Only"


def _fault(mode: str) -> tuple[dict[str, object], str]:
    """Route options for one fault mode, and a fragment of the error it must record."""
    cases: dict[str, tuple[dict[str, object], str]] = {
        "500": ({"body": "oops", "status": 500}, "HTTP 500"),
        "429": ({"body": "slow down", "status": 429, "headers": {"Retry-After": "7200"}}, "429"),
        "timeout": ({"body": rss(GOOD_ITEM), "delay": 6.0}, "timed out"),
        "slow drip": ({"body": rss(GOOD_ITEM) * 4, "drip": 1.0}, "timed out"),
        "truncated": ({"body": rss(GOOD_ITEM), "truncate": 40}, "broke off"),
        "over-size": ({"body": BIG}, "larger than the 50,000-byte limit"),
        "html": ({"body": HTML_PAGE, "content_type": "text/html"}, "not a feed"),
        "invalid xml": ({"body": "<<<not xml at all", "content_type": "text/xml"}, "not a feed"),
    }
    return cases[mode]


FAULTS = ["500", "429", "timeout", "slow drip", "truncated", "over-size", "html", "invalid xml"]


@pytest.mark.parametrize("mode", FAULTS)
async def test_fault_is_recorded_and_the_feed_recovers(rig: Rig, mode: str) -> None:
    good = rig.add("/good.xml", rss(GOOD_ITEM))
    options, expected = _fault(mode)
    body = options.pop("body")
    assert isinstance(body, str)
    bad = rig.add("/bad.xml", body, **options)

    results = {r.url: r for r in await rig.pipeline.run_once()}

    assert set(results) == {good, bad}  # the cycle completed for every feed
    assert results[good].ok and results[good].alerts == 1
    assert not results[bad].ok and expected in (results[bad].error or "")
    feed = rig.store.get_feed(bad)
    assert feed is not None
    assert expected in feed.state.last_error and feed.state.consecutive_failures == 1
    next_check = feed.state.next_check_at
    assert next_check > rig.clock()  # tried again later, not dropped

    # The source is fixed; the next scheduled poll reads it.
    rig.server.serve("/bad.xml", rss(LATER_ITEM))
    rig.clock.now = next_check
    again = await rig.pipeline.poll_feed(bad)
    assert again.ok and again.alerts == 1
    feed = rig.store.get_feed(bad)
    assert feed is not None and feed.state.consecutive_failures == 0


async def test_429_retry_after_sets_the_next_check(rig: Rig) -> None:
    url = rig.add("/limited.xml", "no", status=429, headers={"Retry-After": "7200"})
    result = await rig.pipeline.poll_feed(url)
    assert result.next_check_at is not None
    assert (result.next_check_at - rig.clock()).total_seconds() >= 7200


async def test_503_retry_after_as_a_date(rig: Rig) -> None:
    url = rig.add(
        "/down.xml", "no", status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
    )
    result = await rig.pipeline.poll_feed(url)
    assert not result.ok and result.next_check_at is not None
    # Far-future dates are capped at the backoff cap (24 h), never "forever".
    assert (result.next_check_at - rig.clock()).total_seconds() <= 24 * 3600


@pytest.mark.parametrize("kind", ["entity bomb", "malformed but readable"])
async def test_malformed_feeds_are_read_as_far_as_possible_with_a_warning(
    rig: Rig, kind: str
) -> None:
    body = ENTITY_BOMB if kind == "entity bomb" else rss(GOOD_ITEM) + "<trailing junk"
    good = rig.add("/good.xml", rss(LATER_ITEM))
    url = rig.add("/odd.xml", body)
    results = {r.url: r for r in await rig.pipeline.run_once()}
    assert results[good].ok and results[good].alerts == 1
    assert results[url].ok and results[url].warning
    feed = rig.store.get_feed(url)
    assert feed is not None and "malformed" in feed.state.last_warning
    if kind == "entity bomb":
        titles = [a["title"] for a in rig.store.articles(kind="feed")]
        assert all(len(t) < 1000 for t in titles)  # entities were never expanded


async def test_invalid_xml_with_items_keeps_the_items(rig: Rig) -> None:
    url = rig.add("/broken.xml", rss(GOOD_ITEM).replace("</channel></rss>", ""))
    result = await rig.pipeline.poll_feed(url)
    assert result.ok and result.new_articles == 1 and result.warning


async def test_wrong_charset_header_still_gives_the_right_text(rig: Rig) -> None:
    body = rss(("Café über training", "https://news.example/cafe", "Crème brûlée training."))
    url = rig.add(
        "/charset.xml", body.encode("utf-8"), content_type="application/rss+xml; charset=latin-1"
    )
    result = await rig.pipeline.poll_feed(url)
    assert result.ok
    titles = [a["title"] for a in rig.store.articles(kind="feed")]
    assert titles == ["Café über training"]


async def test_latin1_bytes_declared_utf8_are_mended(rig: Rig) -> None:
    body = rss(("Año nuevo training", "https://news.example/ano", "España training data."))
    url = rig.add("/latin.xml", body.encode("latin-1"))
    result = await rig.pipeline.poll_feed(url)
    assert result.ok
    assert [a["title"] for a in rig.store.articles(kind="feed")] == ["Año nuevo training"]


async def test_redirect_loop_and_too_many_redirects_are_clear_errors(rig: Rig) -> None:
    rig.server.redirect("/loop-a", "/loop-b")
    rig.server.redirect("/loop-b", "/loop-a")
    loop = rig.add("/loop-a")
    for i in range(7):
        rig.server.redirect(f"/hop{i}", f"/hop{i + 1}", status=302)
    rig.server.serve("/hop7", rss(GOOD_ITEM))
    chain = rig.add("/hop0")
    good = rig.add("/good.xml", rss(LATER_ITEM))
    results = {r.url: r for r in await rig.pipeline.run_once()}
    assert results[good].ok
    assert "redirect loop" in (results[loop].error or "")
    assert "/loop-a → " in (results[loop].error or "")
    assert "too many redirects" in (results[chain].error or "")
    for url in (loop, chain):
        feed = rig.store.get_feed(url)
        assert feed is not None and feed.state.consecutive_failures == 1


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://a:99999/", "Port out of range"),
        ("http://[oops/x", "Invalid IPv6 URL"),
        ("http://a:-1/", "Port could not be cast"),
    ],
)
async def test_a_redirect_to_an_invalid_address_is_one_clear_error_line(
    rig: Rig, location: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    rig.server.redirect("/bad-hop", location)
    bad = rig.add("/bad-hop")
    for _ in range(2):  # every poll: a clean failure, never a traceback
        (result,) = await rig.pipeline.run_once()
        rig.clock.advance(hours=30)
        assert not result.ok
        assert (result.error or "").startswith("refused: redirected to an invalid address")
        assert why in (result.error or "")
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert not [r for r in caplog.records if "unexpectedly" in r.getMessage()]
    feed = rig.store.get_feed(bad)
    assert feed is not None and feed.state.consecutive_failures == 2


async def test_permanent_redirect_updates_the_fetch_url_and_keeps_ids(rig: Rig) -> None:
    url = rig.add("/old.xml", rss(GOOD_ITEM))
    first = await rig.pipeline.poll_feed(url)
    assert first.alerts == 1
    rig.server.serve("/new.xml", rss(GOOD_ITEM, LATER_ITEM))
    rig.server.redirect("/old.xml", "/new.xml", status=301)
    second = await rig.pipeline.poll_feed(url)
    feed = rig.store.get_feed(url)
    assert feed is not None and feed.state.fetch_url == rig.server.url("/new.xml")
    assert second.ok and second.new_articles == 1  # the old item is not new again
    rig.server.hits.clear()
    await rig.pipeline.poll_feed(url)
    assert rig.server.hits == ["/new.xml"]  # fetched from the new address directly


async def test_temporary_redirect_does_not_move_the_feed(rig: Rig) -> None:
    rig.server.serve("/elsewhere.xml", rss(GOOD_ITEM))
    url = rig.server.redirect("/tmp.xml", "/elsewhere.xml", status=302)
    rig.store.add_feed(url, now=rig.clock())
    result = await rig.pipeline.poll_feed(url)
    feed = rig.store.get_feed(url)
    assert result.ok and feed is not None and feed.state.fetch_url is None


async def test_ten_failures_then_recovery_delivers_new_items_with_one_notice_each(
    rig: Rig,
) -> None:
    url = rig.add("/flaky.xml", rss(GOOD_ITEM))
    await rig.pipeline.poll_feed(url)
    rig.server.serve("/flaky.xml", "down", status=500)
    gaps = []
    for _ in range(10):
        result = await rig.pipeline.poll_feed(url)
        assert not result.ok and result.next_check_at is not None
        gaps.append((result.next_check_at - rig.clock()).total_seconds())
        rig.clock.now = result.next_check_at
    feed = rig.store.get_feed(url)
    assert feed is not None and feed.state.consecutive_failures == 10
    # Backoff grows, and is capped at 24 h: the feed is never disabled.
    assert gaps[3] > gaps[0] and max(gaps) <= 24 * 3600 and gaps[-1] > 12 * 3600
    notices = _notices(rig)
    assert len(notices) == 2  # one "failing" notice per destination, sent once
    assert all("is failing" in n and "10" not in n.split("checks")[0] for n in notices)

    rig.server.serve("/flaky.xml", rss(GOOD_ITEM, LATER_ITEM))
    back = await rig.pipeline.poll_feed(url)
    assert back.ok and back.new_articles == 1 and back.alerts == 1
    notices = _notices(rig)
    assert len(notices) == 4 and sum("recovered" in n for n in notices) == 2
    # Two alerts (the first item, the new one) and four notices, for each of 2 destinations.
    assert rig.store.outbox_length() == 2 * 2 + 4
    # Recovered: one more good poll adds no notice.
    await rig.pipeline.poll_feed(url)
    assert len(_notices(rig)) == 4

    # And the console really shows the failing notice, the recovery and the new item.
    out = io.StringIO()
    await Delivery(rig.store, [ConsoleDestination(out)], rig.clock).deliver_due()
    shown = out.getvalue()
    assert shown.count("[notice]") == 2 and "is failing" in shown and "has recovered" in shown
    assert "NEW: Publisher licence for training" in shown
    assert shown.index("is failing") < shown.index("has recovered")


def _notices(rig: Rig) -> list[str]:
    rows = rig.store.db.execute(
        "SELECT payload FROM outbox WHERE kind = 'notice' ORDER BY id"
    ).fetchall()
    return [json.loads(r[0])["text"] for r in rows]


async def test_items_over_the_per_poll_cap_wait_for_later_polls(rig: Rig) -> None:
    # The feed never changes (ETag, same bytes): the items left over must still be seen.
    items = [(f"Training item {i}", f"https://many.example/{i}", "x" * 700) for i in range(25)]
    feed = rig.add("/many.xml", rss(*items))
    pipeline = Pipeline(
        rig.store,
        Fetcher(rig.client, TEST_FETCH),
        rig.judge,
        ["console"],
        rig.clock,
        settings=PollSettings(max_items_per_poll=10),
    )
    news = []
    for _ in range(3):
        result = await pipeline.poll_feed(feed)
        news.append((result.new_articles, result.waiting))
        rig.clock.advance(hours=1)
    assert news == [(10, 15), (10, 5), (5, 0)]
    again = await pipeline.poll_feed(feed)
    assert again.not_modified and again.new_articles == 0  # conditional GET again once done
    urls = [r["url"] for r in rig.store.articles(kind="feed")]
    assert sorted(urls) == sorted(i[1] for i in items)
