"""The pipeline over real HTTP and a real SQLite file, with a hand-written assessor."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.analysis.assess import Assessment
from bot.analysis.memory import Memory
from bot.chat.commands import Commands
from bot.feeds.fetch import Fetcher, FetchSettings
from bot.models import Article
from bot.pipeline import Pipeline, record_seeds
from bot.seeds import load_seeds
from bot.store import Store
from tests.conftest import REPO
from tests.fakes import KeywordAssessor
from tests.feedserver import FeedServer, rss, running_feed_server

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
STORY_A = (
    "Authors sue over training",
    "https://news.example/a?utm_source=x",
    "Authors filed a suit over training data on Monday.",
)
STORY_B = (
    "Chip sales rise",
    "https://news.example/b",
    "A chipmaker reported record sales this quarter.",
)
STORY_C = (
    "Publisher deal on training",
    "https://news.example/c",
    "A publisher signed a licence for training data.",
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_feed_server() as s:
        yield s


async def _pipeline(store: Store, assessor: KeywordAssessor, client: httpx.AsyncClient) -> Pipeline:
    return Pipeline(
        store,
        Fetcher(client, FetchSettings(max_body_bytes=100_000)),
        assessor,
        ["console"],
        lambda: NOW,
    )


def _add_feed(store: Store, url: str, backfill: int = 0, first_poll_done: bool = True) -> None:
    store.add_feed(url, now=NOW, name="Example", interval_minutes=30, backfill=backfill)
    if first_poll_done:
        store.update_feed(url, {"first_poll_done": 1})


async def test_new_relevant_items_are_stored_and_queued_once(
    store: Store, server: FeedServer
) -> None:
    url = server.serve("/feed.xml", rss(STORY_A, STORY_B))
    _add_feed(store, url)
    assessor = KeywordAssessor()
    async with httpx.AsyncClient() as client:
        pipeline = await _pipeline(store, assessor, client)
        first = await pipeline.poll_feed(url)
        second = await pipeline.poll_feed(url)
    assert first.ok and first.new_articles == 2 and first.alerts == 1
    assert second.ok and second.not_modified  # the ETag came back as 304
    assert store.outbox_length("console") == 1
    statuses = {r["title"]: r["status"] for r in store.articles(kind="feed")}
    assert statuses == {"Authors sue over training": "alerted", "Chip sales rise": "not_relevant"}
    # Tracking parameters are not part of the stored link.
    assert store.find_article_by_url("https://news.example/a") is not None


async def test_first_poll_records_without_alerting_unless_backfill(
    store: Store, server: FeedServer
) -> None:
    url = server.serve("/new.xml", rss(STORY_A, STORY_C))
    _add_feed(store, url, backfill=0, first_poll_done=False)
    assessor = KeywordAssessor()
    async with httpx.AsyncClient() as client:
        result = await (await _pipeline(store, assessor, client)).poll_feed(url)
    assert result.new_articles == 2 and result.alerts == 0
    assert assessor.judged == []
    assert {r["status"] for r in store.articles(kind="feed")} == {"recorded"}


async def test_backfill_analyses_the_newest_items(store: Store, server: FeedServer) -> None:
    url = server.serve("/bf.xml", rss(STORY_A, STORY_C))
    _add_feed(store, url, backfill=1, first_poll_done=False)
    assessor = KeywordAssessor()
    async with httpx.AsyncClient() as client:
        result = await (await _pipeline(store, assessor, client)).poll_feed(url)
    assert len(assessor.judged) == 1 and result.alerts == 1


async def test_same_link_in_two_feeds_is_one_article(store: Store, server: FeedServer) -> None:
    one = server.serve("/one.xml", rss(STORY_A))
    two = server.serve("/two.xml", rss(STORY_A))
    _add_feed(store, one)
    _add_feed(store, two)
    async with httpx.AsyncClient() as client:
        results = await (await _pipeline(store, KeywordAssessor(), client)).run_once()
    assert sorted(r.new_articles for r in results) == [0, 1]
    assert store.count("articles") == 1 and store.outbox_length() == 1


async def test_a_cycle_of_many_feeds_holds_a_bounded_number_of_tasks(
    store: Store, server: FeedServer
) -> None:
    """run_once polls through 2 x max_connections workers, not a task per feed, so a
    cycle of 10,000 feeds holds no more polls in memory than one of 100."""
    server.latency = 0.01
    urls = [server.serve(f"/many/{i:02d}.xml", rss(STORY_A)) for i in range(20)]
    for url in urls:
        _add_feed(store, url)
    settings = FetchSettings(max_body_bytes=100_000, max_connections=2)
    most = 0

    async def count_polls() -> None:  # the pipeline's own tasks under way at once
        nonlocal most
        while True:
            names = [t.get_coro().__qualname__ for t in asyncio.all_tasks()]  # type: ignore[union-attr]
            most = max(most, sum(name.startswith("Pipeline.") for name in names))
            await asyncio.sleep(0.002)

    async with httpx.AsyncClient() as client:
        pipeline = Pipeline(store, Fetcher(client, settings), KeywordAssessor(), ["c"], lambda: NOW)
        counter = asyncio.create_task(count_polls())
        results = await pipeline.run_once()
        counter.cancel()
    assert [r.url for r in results] == sorted(urls)  # one result per feed, in order
    assert sum(r.new_articles for r in results) == 1  # one link in 20 feeds: one article
    assert most == 4  # 2 x max_connections workers, not one task per feed


async def test_a_failing_feed_is_a_value_and_others_still_run(
    store: Store, server: FeedServer
) -> None:
    good = server.serve("/good.xml", rss(STORY_A))
    bad = server.serve("/bad.xml", "oops", status=500)
    html = server.serve("/page.html", "<html><body>Hello</body></html>", content_type="text/html")
    for url in (good, bad, html):
        _add_feed(store, url)
    async with httpx.AsyncClient() as client:
        results = {
            r.url: r for r in await (await _pipeline(store, KeywordAssessor(), client)).run_once()
        }
    assert results[good].ok and results[good].alerts == 1
    assert not results[bad].ok and results[bad].error == "HTTP 500 Internal Server Error"
    assert not results[html].ok and "not a feed" in (results[html].error or "")
    feed = store.get_feed(bad)
    assert (
        feed is not None
        and feed.state.consecutive_failures == 1
        and feed.state.last_error.startswith("HTTP 500")
    )


async def test_seeds_are_recorded_once(store: Store) -> None:
    seeds = load_seeds(REPO / "seeds")
    assessor = KeywordAssessor()
    assert record_seeds(store, assessor, seeds, NOW) == 5
    assert record_seeds(store, assessor, seeds, NOW) == 0
    assert store.count("articles") == 5
    assert store.count("claims") == sum(len(s.claims) for s in seeds)
    hits = store.search("Sora")
    assert hits and all(h.kind == "seed" for h in hits)


def test_verdict_json_matches_the_dataclass_form() -> None:
    import json
    from dataclasses import asdict

    from bot.models import Claim, Verdict
    from bot.store.rows import verdict_json

    verdict = Verdict(
        article_id="a",
        relevant=True,
        relevance=0.9,
        category="lawsuit",
        signals=("ai-term: OpenAI",),
        story="s",
        duplicate_of=None,
        novel=True,
        claims=(Claim(text="x", novel=True, entities=("OpenAI",), numbers=("20",)),),
        summary="sum",
        reason="new",
    )
    full = json.loads(json.dumps(asdict(verdict)))
    stored = json.loads(verdict_json(verdict))
    # the same keys and values, less the top-level ones that are None or empty
    assert stored == {k: v for k, v in full.items() if v not in (None, "", [])}
    assert set(full) - set(stored) == {"duplicate_of", "story_title", "earlier", "parties"}
    assert stored["claims"][0] == full["claims"][0]  # a claim keeps every key ("compared")
    assert " " not in verdict_json(verdict).replace("ai-term: OpenAI", "")


def test_a_stored_verdict_reads_back_whole_though_its_columns_are_left_out() -> None:
    """verdict_row leaves out of the JSON what the row keeps in columns; verdict_of_row
    (what `why` and `article` read) puts it back."""
    import json
    from datetime import UTC, datetime

    from bot.models import Article, Verdict
    from bot.store.rows import verdict_json, verdict_of_row, verdict_row

    article = Article("a1", "t", "https://x.example/a", "s", None, "body")
    verdict = Verdict("a1", False, 0.03, None, (), None, None, False, (), "", "off topic")
    row = verdict_row(article, verdict, datetime(2026, 1, 1, tzinfo=UTC))
    assert json.loads(row["verdict"]) == {"novel": False}
    assert verdict_of_row(row) == json.loads(verdict_json(verdict))
    assert verdict_of_row({"verdict": None, "reason": "recorded"}) == {}


@pytest.mark.parametrize("guids", [True, False])
async def test_a_story_another_new_feed_only_recorded_still_alerts_later(
    store: Store, server: FeedServer, guids: bool
) -> None:
    # xa is empty when added; xb already carries story A, so its first poll records it.
    xa = server.serve("/xa.xml", rss())
    xb = server.serve("/xb.xml", rss(STORY_A, guids=guids))
    _add_feed(store, xa, first_poll_done=False)
    _add_feed(store, xb, first_poll_done=False)
    assessor = KeywordAssessor()
    async with httpx.AsyncClient() as client:
        pipeline = await _pipeline(store, assessor, client)
        await pipeline.poll_feed(xa)
        recorded = await pipeline.poll_feed(xb)
        assert recorded.alerts == 0 and recorded.new_articles == 1
        # Later xa publishes the same story: nobody has been told about it yet.
        server.serve("/xa.xml", rss(STORY_A, guids=guids, title="Feed xa"))
        reported = await pipeline.poll_feed(xa)
        # And xb's next poll, and a third feed with it, add nothing more.
        server.serve("/xb.xml", rss(STORY_A, STORY_B, guids=guids))
        again = await pipeline.poll_feed(xb)
        xc = server.serve("/xc.xml", rss(STORY_A, guids=guids))
        _add_feed(store, xc)
        third = await pipeline.poll_feed(xc)
    assert reported.ok and reported.alerts == 1
    assert again.alerts == 0 and third.alerts == 0 and third.new_articles == 0
    assert store.outbox_length("console") == 1


class SlowAssessor(KeywordAssessor):
    """The keyword stand-in, taking `seconds` per article like a heavy analysis, and noting
    how many articles it has assessed (read from another thread)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.done = 0

    def assess(self, article: Article, known: Memory) -> Assessment:
        time.sleep(self.seconds)
        assessment = super().assess(article, known)
        self.done += 1
        return assessment


async def test_a_slash_command_answers_while_a_large_batch_is_analysed(
    store: Store, server: FeedServer
) -> None:
    """Analysis runs outside the write lock: a read on another thread (as a slash command
    does) answers within moments while a poll of many new articles is being assessed, and
    only the short commit can make it wait."""
    items = 60
    stories = [
        (f"Suit {i} over training data", f"https://news.example/s{i}", f"Case {i} about training.")
        for i in range(items)
    ]
    url = server.serve("/many.xml", rss(*stories))
    _add_feed(store, url)
    store.save_article(
        {"id": "old", "kind": "feed", "title": "Older training story", "body": "",
         "seen_at": NOW.isoformat(), "status": "alerted"}
    )  # fmt: skip
    assessor = SlowAssessor(seconds=0.05)  # 60 articles: about 3 s of analysis
    commands = Commands(store, lambda: NOW)
    waits: list[tuple[float, int]] = []  # (seconds the read took, articles assessed by then)
    stop = threading.Event()

    def slash_commands() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            answer = commands.search("training")
            assert answer.items  # it answered with results
            waits.append((time.perf_counter() - started, assessor.done))
            time.sleep(0.02)

    reader = threading.Thread(target=slash_commands)
    async with httpx.AsyncClient() as client:
        pipeline = await _pipeline(store, assessor, client)
        started = time.perf_counter()
        reader.start()
        try:
            result = await pipeline.poll_feed(url)
        finally:
            stop.set()
            await asyncio.to_thread(reader.join)
        took = time.perf_counter() - started
    assert result.ok and result.new_articles == items and assessor.done == items
    during = [wait for wait, done in waits if 0 < done < items]  # answered mid-analysis
    assert len(during) >= 10, waits
    assert max(during) < 1.0 < took, (max(during), took)
