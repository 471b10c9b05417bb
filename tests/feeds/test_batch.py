"""Group commit: jobs of many polls in one transaction; a failing job is rolled back alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.store import Store
from bot.store.batch import BatchWriter

NOW = datetime(2025, 11, 6, tzinfo=UTC)


async def test_jobs_run_together_and_a_failure_stays_its_own(store: Store) -> None:
    writer = BatchWriter(store)

    def add(url: str) -> str:
        store.add_feed(url, now=NOW)
        return url

    def add_then_fail() -> None:
        store.add_feed("https://broken.example/feed", now=NOW)
        raise ValueError("bad job")

    results = await asyncio.gather(
        writer.run(lambda: add("https://a.example/feed")),
        writer.run(add_then_fail),
        writer.run(lambda: add("https://b.example/feed")),
        return_exceptions=True,
    )
    assert results[0] == "https://a.example/feed" and results[2] == "https://b.example/feed"
    assert isinstance(results[1], ValueError)
    assert [f.url for f in store.feeds()] == ["https://a.example/feed", "https://b.example/feed"]


async def test_results_come_back_in_order_across_batches(store: Store) -> None:
    writer = BatchWriter(store, max_jobs=7)
    values = await asyncio.gather(*(writer.run(lambda i=i: i * i) for i in range(50)))
    assert values == [i * i for i in range(50)]
    with pytest.raises(ZeroDivisionError):
        await writer.run(lambda: 1 // 0)


async def test_reads_share_the_batch_and_see_earlier_writes(store: Store) -> None:
    writer = BatchWriter(store)
    added, seen, failed, count = await asyncio.gather(
        writer.run(lambda: store.add_feed("https://c.example/feed", now=NOW)),
        writer.read(lambda: store.get_feed("https://c.example/feed")),
        writer.read(lambda: 1 // 0),
        writer.read(lambda: len(store.feeds())),
        return_exceptions=True,
    )
    assert added is True
    assert seen is not None and seen.url == "https://c.example/feed"  # the write before it
    assert isinstance(failed, ZeroDivisionError) and count == 1  # a failed read stays its own


async def test_a_read_gets_no_savepoint_of_its_own(store: Store) -> None:
    writer = BatchWriter(store)
    store.add_feed("https://d.example/feed", now=NOW)

    async def savepoints(submit: Callable[[Callable[[], object]], Awaitable[object]]) -> int:
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:
            await asyncio.gather(
                *(submit(lambda: store.get_feed("https://d.example/feed")) for _ in range(5))
            )
        finally:
            store.db.conn.set_trace_callback(None)
        return sum(1 for s in statements if s.upper().startswith("SAVEPOINT"))

    assert await savepoints(writer.read) == 0
    assert await savepoints(writer.run) == 5  # one a job


async def test_jobs_arriving_within_the_linger_share_one_commit(store: Store) -> None:
    async def commits(writer: BatchWriter, run: str) -> int:
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:

            async def later(url: str) -> None:
                await asyncio.sleep(0.01)  # a poll finishing a moment after the first
                await writer.run(lambda: store.add_feed(url, now=NOW))

            await asyncio.gather(
                writer.run(lambda: store.add_feed(f"https://e.example/{run}", now=NOW)),
                later(f"https://f.example/{run}"),
            )
        finally:
            store.db.conn.set_trace_callback(None)
        return sum(1 for s in statements if s.upper().startswith("COMMIT"))

    # (each run its own feeds: the ids of two writers made one after the other may be equal)
    assert await commits(BatchWriter(store, linger=0.5), "lingering") == 1
    assert await commits(BatchWriter(store, linger=0), "at-once") == 2  # each batch at once
    assert len(store.feeds()) == 4
