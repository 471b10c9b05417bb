"""The fetcher against the local feed server: caching, limits, guards, the user agent."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot import PROJECT_URL
from bot.feeds.fetch import Fetcher, FetchState, make_client, parse_retry_after, user_agent
from bot.feeds.transport import is_public_address
from tests.feeds.conftest import TEST_FETCH
from tests.feedserver import FeedServer, rss

ITEM = ("Title", "https://news.example/1", "Text")


async def test_etag_and_last_modified_give_not_modified(server: FeedServer) -> None:
    url = server.serve("/f.xml", rss(ITEM), etag=False, last_modified=1_700_000_000)
    async with make_client(TEST_FETCH) as client:
        fetcher = Fetcher(client, TEST_FETCH)
        first = await fetcher.fetch(FetchState(url))
        assert first.status == "ok" and first.last_modified and first.etag is None
        second = await fetcher.fetch(FetchState(url, last_modified=first.last_modified))
        assert second.status == "not_modified"
        assert second.last_modified == first.last_modified
        etagged = server.serve("/e.xml", rss(ITEM))
        got = await fetcher.fetch(FetchState(etagged))
        again = await fetcher.fetch(FetchState(etagged, etag=got.etag))
        assert again.status == "not_modified" and again.etag == got.etag
    sent = server.request_headers[1]
    assert sent["if-modified-since"] == first.last_modified


async def test_gzip_body_is_decoded_and_capped_after_decoding(server: FeedServer) -> None:
    body = rss(*[ITEM] * 10)
    url = server.serve("/z.xml", body, gzip=True)
    bomb = server.serve("/zbomb.xml", " " * 2_000_000, gzip=True)  # ~2 KB on the wire
    async with make_client(TEST_FETCH) as client:
        fetcher = Fetcher(client, TEST_FETCH)
        result = await fetcher.fetch(FetchState(url))
        capped = await fetcher.fetch(FetchState(bomb))
    assert result.status == "ok" and result.body == body.encode()
    assert result.headers.get("content-encoding") == "gzip"
    assert capped.status == "error" and "larger than" in (capped.error or "")


async def test_declared_oversize_is_refused_before_reading(server: FeedServer) -> None:
    url = server.serve("/big.xml", b"x" * 60_000)
    async with make_client(TEST_FETCH) as client:
        result = await Fetcher(client, TEST_FETCH).fetch(FetchState(url))
    assert result.error == "response larger than the 50,000-byte limit (60,000 bytes announced)"


async def test_user_agent_names_the_bot_and_project(server: FeedServer) -> None:
    url = server.serve("/ua.xml", rss(ITEM))
    settings = dataclasses.replace(TEST_FETCH, user_agent=user_agent("ops@example.org"))
    async with make_client(settings) as client:
        await Fetcher(client, settings).fetch(FetchState(url))
    agent = server.request_headers[0]["user-agent"]
    assert agent.startswith("newsbot/") and PROJECT_URL in agent and "ops@example.org" in agent
    assert "gzip" in server.request_headers[0]["accept-encoding"]


async def test_private_addresses_are_refused_unless_allowed(server: FeedServer) -> None:
    url = server.serve("/private.xml", rss(ITEM))
    strict = dataclasses.replace(TEST_FETCH, allow_private_addresses=False)
    async with make_client(strict) as client:
        result = await Fetcher(client, strict).fetch(FetchState(url))
    assert result.status == "error"
    assert "refused" in (result.error or "") and "127.0.0.1" in (result.error or "")
    assert server.hits == []  # no connection was made


async def test_non_http_redirects_and_loopback_names_are_refused(server: FeedServer) -> None:
    # The address check runs inside the connection (after DNS), so it covers every hop;
    # here: a redirect to file:// and a host name that resolves to loopback.
    server.redirect("/to-file", "file:///etc/passwd")
    strict = dataclasses.replace(TEST_FETCH, allow_private_addresses=False)
    async with make_client(TEST_FETCH) as client:
        result = await Fetcher(client, TEST_FETCH).fetch(FetchState(server.url("/to-file")))
    assert "non-HTTP" in (result.error or "")
    async with make_client(strict) as client:
        named = await Fetcher(client, strict).fetch(FetchState(f"http://localhost:{server.port}/x"))
    assert "refused" in (named.error or "")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.5", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("93.184.216.34", True),
        ("2606:4700::6810:84e5", True),
    ],
)
def test_public_address_rule(address: str, public: bool) -> None:
    assert is_public_address(address) is public


async def test_per_host_limit_holds(server: FeedServer) -> None:
    server.latency = 0.05
    urls = [server.serve(f"/p{i}.xml", rss(ITEM)) for i in range(12)]
    settings = dataclasses.replace(TEST_FETCH, max_connections=10, max_connections_per_host=3)
    async with make_client(settings) as client:
        fetcher = Fetcher(client, settings)
        results = await asyncio.gather(*(fetcher.fetch(FetchState(u)) for u in urls))
    assert all(r.status == "ok" for r in results)
    assert 1 < server.max_in_flight <= 3


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (None, None), ("soon", None), ("Thu, 01 Jan 1970 00:00:10 GMT", 0.0)],
)
def test_retry_after_parsing(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=100.0) == seconds


async def test_waiting_for_a_host_slot_is_not_counted_as_request_time(server: FeedServer) -> None:
    # One hanging feed holds the host's only slot until it times out; the healthy feeds of
    # the same host queue behind it and must still get their full time once they start.
    slow = server.serve("/slow.xml", rss(ITEM), delay=3.0)
    fast = [server.serve(f"/fast{i}.xml", rss(ITEM)) for i in range(4)]
    settings = dataclasses.replace(
        TEST_FETCH, max_connections_per_host=1, total_timeout=1.0, read_timeout=5.0
    )
    async with make_client(settings) as client:
        fetcher = Fetcher(client, settings)
        results = await asyncio.gather(*(fetcher.fetch(FetchState(u)) for u in [slow, *fast]))
    assert results[0].status == "error" and "timed out" in (results[0].error or "")
    assert [r.status for r in results[1:]] == ["ok"] * 4
    assert all(server.count(f"/fast{i}.xml") == 1 for i in range(4))


async def test_cookies_a_feed_sets_are_neither_kept_nor_sent_back(server: FeedServer) -> None:
    """The shared client keeps no cookie jar: a feed reader has no session, and a site's
    cookie must not follow the bot to its next request (nor to another feed)."""
    url = server.serve(
        "/cookie.xml",
        rss(("A", "https://e.example/a", "text")),
        headers={"Set-Cookie": "session=abc123; Path=/"},
        etag=False,
    )
    async with make_client(TEST_FETCH) as client:
        fetcher = Fetcher(client, TEST_FETCH)
        first = await fetcher.fetch(FetchState(url))
        second = await fetcher.fetch(FetchState(url))
        assert len(client.cookies) == 0
    assert first.status == second.status == "ok"
    assert first.headers["set-cookie"].startswith("session=abc123")
    assert all("cookie" not in sent for sent in server.request_headers)
