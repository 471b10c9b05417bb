"""Fixtures for the feed tests: the local feed server, a real client and a pipeline."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.feeds.fetch import Fetcher, FetchSettings, make_client
from bot.feeds.next_check import CheckBounds
from bot.feeds.state import PollSettings
from bot.pipeline import Pipeline
from bot.store import Store
from tests.fakes import KeywordAssessor
from tests.feedserver import FeedServer, running_feed_server

START = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)

# Limits short enough for fault tests to run fast, long enough that a busy machine never
# times out a good response; the feed server is on 127.0.0.1.
TEST_FETCH = FetchSettings(
    connect_timeout=5.0,
    read_timeout=2.0,
    total_timeout=4.0,
    max_body_bytes=50_000,
    max_connections=20,
    max_connections_per_host=20,
    allow_private_addresses=True,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Rig:
    store: Store
    server: FeedServer
    pipeline: Pipeline
    judge: KeywordAssessor
    clock: Clock
    client: httpx.AsyncClient

    def add(self, path: str, body: str | bytes = b"", *, polled: bool = True, **kw: object) -> str:
        """Serve a route and add it as a feed (by default as already polled once)."""
        url = self.server.serve(path, body, **kw) if (body or kw) else self.server.url(path)
        self.store.add_feed(url, now=self.clock(), name=path.strip("/"), interval_minutes=30)
        if polled:
            self.store.update_feed(url, {"first_poll_done": 1})
        return url


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_feed_server() as s:
        yield s


@pytest.fixture
async def rig(store: Store, server: FeedServer) -> AsyncIterator[Rig]:
    clock = Clock()
    judge = KeywordAssessor()
    async with make_client(TEST_FETCH) as client:
        pipeline = Pipeline(
            store,
            Fetcher(client, TEST_FETCH),
            judge,
            ["console", "team-chat"],
            clock,
            settings=PollSettings(
                default_interval_minutes=30,
                bounds=CheckBounds(min_minutes=5, max_minutes=1440, backoff_cap_hours=24),
                failure_notice_after=3,
            ),
            rng=random.Random(7),
        )
        yield Rig(store, server, pipeline, judge, clock, client)
