"""Benchmark: how many requests one poll of a feed of 10,000 teaser-only items makes. Prints
one JSON line.

    .venv/bin/python bench/amplification.py              # 10,000 items, default caps
    .venv/bin/python bench/amplification.py --items 2000 --polls 3

A local feed server (tests/feedserver.py, in this process) serves the feed and an article
page per item; the feed is marked as polled once, so every item is new. The pipeline runs
with the default settings (polling.max_items_per_poll, full_text.max_pages_per_poll and
max_pages_per_host), a no-op assessor and a trivial page extractor (extraction is not what is
measured), on a real SQLite file. Figures: page requests per poll, items analysed per poll,
items still waiting after each poll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


async def measure(items: int, polls: int, db: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from bot.analysis.assess import Assessment
    from bot.analysis.memory import Memory
    from bot.feeds.fetch import Fetcher, FetchSettings, make_client
    from bot.feeds.fulltext import FullText, FullTextSettings
    from bot.models import Article, Verdict
    from bot.pipeline import Pipeline
    from bot.seeds import Seed
    from bot.store import Store
    from tests.feedserver import rss, running_feed_server

    class RecordingAssessor:
        def assess(self, article: Article, known: Memory) -> Assessment:
            verdict = Verdict(article.id, False, 0.0, None, (), None, None, False, (), "", "bench")
            return Assessment(verdict)

        def assess_seed(self, seed: Seed, known: Memory) -> Assessment:
            raise NotImplementedError

    def clock() -> datetime:
        return datetime.now(UTC)

    settings = FetchSettings(allow_private_addresses=True, total_timeout=60.0)
    figures: dict[str, Any] = {"items": items, "polls": []}
    with running_feed_server() as server:
        server.serve("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        page = "<html><body><article>" + "<p>Long text.</p>" * 100 + "</article></body></html>"
        links = [server.serve(f"/story/{i}", page, content_type="text/html") for i in range(items)]
        feed = server.serve(
            "/feed.xml", rss(*[(f"Story {i}", u, "A teaser.") for i, u in enumerate(links)])
        )
        store = Store.open(db)
        store.add_feed(feed, now=clock())
        store.update_feed(feed, {"first_poll_done": 1})
        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings)
            pipeline = Pipeline(
                store,
                fetcher,
                RecordingAssessor(),
                ["bench"],
                clock,
                article_text=FullText(
                    fetcher, FullTextSettings(), clock, extract=lambda body, url: "x" * 5000
                ),
            )
            for _ in range(polls):
                before = sum(1 for hit in server.hits if hit.startswith("/story/"))
                started = time.perf_counter()
                result = await pipeline.poll_feed(feed)
                pages = sum(1 for hit in server.hits if hit.startswith("/story/")) - before
                figures["polls"].append(
                    {
                        "page_requests": pages,
                        "items_analysed": result.new_articles,
                        "waiting": getattr(result, "waiting", 0),
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
        store.close()
    figures["page_requests_first_poll"] = figures["polls"][0]["page_requests"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(args.items, args.polls, Path(tmp) / "bench.db"))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
