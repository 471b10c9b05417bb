"""/news missed with hostile addresses: the page is fetched by the bot's real fetcher with
the address guard on (as a default config has it), so a loopback, private or
carrier-grade NAT address is never requested; an overlong or non-web address is refused
before any fetch. Nothing is recorded for a page that could not be read."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.chat.commands import Commands
from bot.chat.feedback_commands import Learning, Reader
from bot.feedback.missed import PageFetch
from bot.feeds.fetch import Fetcher, make_client
from bot.feeds.fulltext import FullText, FullTextSettings
from bot.store import Store
from tests.chat.test_feedback_discord import MISSED_PAGE
from tests.feeds.conftest import TEST_FETCH
from tests.feeds.test_address_guard import FakeDns
from tests.feedserver import FeedServer, running_feed_server

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STRICT = dataclasses.replace(TEST_FETCH, allow_private_addresses=False)  # the default
ADMIN = Reader("U1", "alice", admin=True)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_feed_server() as s:
        yield s


@asynccontextmanager
async def guarded(store: Store, dns: FakeDns | None = None) -> AsyncIterator[Commands]:
    """The commands with the bot's own page fetch: real fetcher, robots.txt, the guard."""
    async with make_client(STRICT, dns=dns) as client:
        fetcher = Fetcher(client, STRICT)
        full_text = FullText(fetcher, FullTextSettings(), lambda: NOW)
        commands = Commands(store, lambda: NOW)
        commands.learning = Learning(fetch_page=PageFetch(fetcher, full_text, 100_000))
        yield commands


def nothing_recorded(store: Store) -> bool:
    return store.count("articles") == 0 and store.active_feedback() == []


async def test_a_page_on_this_machine_is_not_fetched(store: Store, server: FeedServer) -> None:
    page = server.serve("/story.html", MISSED_PAGE, content_type="text/html")
    assert page.startswith("http://127.0.0.1:")
    async with guarded(store) as commands:
        answer = await commands.missed(page, ADMIN)
    assert answer.text.startswith("Could not read that page")
    assert "refused" in answer.text and "127.0.0.1" in answer.text, answer.text
    assert server.count("/story.html") == 0 and server.count("/robots.txt") == 0
    assert nothing_recorded(store)


@pytest.mark.parametrize("address", ["10.0.0.7", "100.100.100.200", "169.254.169.254", "fd00::1"])
async def test_a_name_that_resolves_to_a_private_address_is_not_fetched(
    store: Store, address: str
) -> None:
    dns = FakeDns(address)
    async with guarded(store, dns) as commands:
        answer = await commands.missed("https://intranet.example/secret", ADMIN)
    assert "refused" in answer.text and address in answer.text, answer.text
    assert "intranet.example" in dns.asked
    assert nothing_recorded(store)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://news.example/" + "a" * 5000, "longer than 2000 characters"),
        ("ftp://news.example/story", "Usage: /news missed <URL of the article>"),
        ("file:///etc/passwd", "Usage: /news missed <URL of the article>"),
        ("javascript:alert(1)", "Usage: /news missed <URL of the article>"),
    ],
)
async def test_an_overlong_or_non_web_address_is_refused_before_any_fetch(
    store: Store, url: str, said: str
) -> None:
    dns = FakeDns("10.9.9.9")  # had it been fetched, nothing would have left the machine
    async with guarded(store, dns) as commands:
        answer = await commands.missed(url, ADMIN)
    assert said in answer.text, answer.text
    assert len(answer.text) < 300  # one short line, not the address echoed back
    assert dns.asked == []  # nothing was looked up, let alone fetched
    assert nothing_recorded(store)
