"""Where feed parsing runs: a worker thread, or a pool of processes to use every core.

feedparser is pure Python and holds the GIL for 50-200 ms per typical feed, so a first poll
of many feeds is bound by parsing. With `processes` > 0 parsing runs in that many worker
processes (started fresh with "spawn", never forked from a threaded bot). The canonical
links of the items are worked out there too (bot/feeds/new_items.py reads them): that is
per-item work the poll's own process, busy with fetching and the store, need not do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from functools import partial

from bot.feeds.new_items import with_links
from bot.feeds.parse import ParsedFeed, parse_feed


def parse_with_links(
    body: bytes, *, url: str, headers: Mapping[str, str], fetched_at: datetime
) -> ParsedFeed:
    """parse_feed, with each item's canonical link filled in."""
    parsed = parse_feed(body, url=url, headers=headers, fetched_at=fetched_at)
    return dataclasses.replace(parsed, items=with_links(parsed.items))


def _warm_up() -> None:
    import feedparser  # noqa: F401  (imported once per worker, before the first feed)


class FeedParser:
    """Parses feed bytes off the event loop."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            self._pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
            )

    def worker_pids(self) -> list[int]:
        """Process ids of the workers started so far (for memory figures)."""
        if self._pool is None:
            return []
        return list(self._pool._processes or {})

    async def parse(
        self, body: bytes, *, url: str, headers: Mapping[str, str], fetched_at: datetime
    ) -> ParsedFeed:
        """Parse in the pool (or a thread); FeedError comes back as raised."""
        call = partial(
            parse_with_links, body, url=url, headers=dict(headers), fetched_at=fetched_at
        )
        if self._pool is None:
            return await asyncio.to_thread(call)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
