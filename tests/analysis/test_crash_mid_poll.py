"""A crash after the analysis but before the poll's writes commit loses and doubles nothing.

The analysis's record of an article (its claims, its story) is held pending until the poll's
one commit; if it outlived a failed write — in the store or in the pending records — the
retried article would look "already known" (seen in itself) and its alert would be lost.
The record is written in the poll's transaction and dropped from the pending ones with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.analysis.assess import build_assessor
from bot.analysis.relevance_model import load_model
from bot.feeds.fetch import Fetcher, FetchSettings
from bot.pipeline import Pipeline, record_seeds
from bot.seeds import load_seeds
from bot.store import Store
from tests.analysis.test_pipeline_analysis import RELEVANT
from tests.conftest import REPO
from tests.feedserver import rss, running_feed_server

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


class CrashingStore(Store):
    """A real store whose next article write fails once, as a crash mid-commit would."""

    crash_next_write = False

    def save_articles(self, rows: list[dict[str, Any]]) -> None:
        if self.crash_next_write:
            self.crash_next_write = False
            raise RuntimeError("simulated crash while writing the poll")
        super().save_articles(rows)


async def test_retry_after_a_failed_write_alerts_exactly_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "db.sqlite")
    store.__class__ = CrashingStore
    assert isinstance(store, CrashingStore)
    try:
        assessor = build_assessor(0.5, load_model())
        record_seeds(store, assessor, load_seeds(REPO / "seeds"), NOW)
        members_before = store.count("analysis_members")
        with running_feed_server() as server:
            url = server.serve("/ai.xml", rss(RELEVANT))
            store.add_feed(url, now=NOW, name="Example", interval_minutes=30, backfill=5)
            async with httpx.AsyncClient() as client:
                fetcher = Fetcher(client, FetchSettings(max_body_bytes=1_000_000))
                pipeline = Pipeline(store, fetcher, assessor, ["console"], lambda: NOW)
                store.crash_next_write = True
                crashed = await pipeline.poll_feed(url)
                assert not crashed.ok or crashed.alerts == 0
                assert store.count("analysis_members") == members_before  # rolled back
                assert store.outbox_length() == 0
                retried = await pipeline.poll_feed(url)
        assert retried.ok and retried.alerts == 1
        assert store.outbox_length("console") == 1
        row = store.find_article_by_url("https://n.example/acme")
        assert row is not None and row["status"] == "alerted"
        claims = store.claims_of(row["id"])
        assert claims and not any(c.seen_in == row["id"] for c in claims)
    finally:
        store.close()
