"""What someone starting the bot needs to hear after the first poll of its feeds.

A feed's first poll records what the feed already holds without alerting, so a new bot is
silent at first; and a machine without a network only shows a line per failing feed. Once
every feed the bot started with has been polled in this run, `first_poll_lines` says how
many items each newly watched feed had, that they were recorded without alerting and how
`backfill` changes that — or, when not one feed's host name resolved, that the machine
seems to be offline and `make demo` works without a network. Pure: results in, lines out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.metrics import PollFeed
    from bot.pipeline import FeedResult

log = logging.getLogger(__name__)

OFFLINE = (
    "no feed's host name could be resolved: this machine seems to be offline (or has no"
    " DNS); to see what the bot does without a network, run `make demo`"
    " (or `newsbot demo`)"
)
BACKFILL_HINT = (
    "a feed's first poll only records what it already holds; to have its newest N items"
    " analysed (and alerted) instead, give it `backfill = N` in its [[feeds]] block, or add"
    " it with `newsbot feeds add URL --backfill N`, before its first poll"
)


def first_poll_lines(results: Sequence[FeedResult]) -> list[tuple[int, str]]:
    """(log level, line) pairs about one round of polls of every feed."""
    if results and all(not r.ok and r.host_not_found for r in results):
        return [(logging.WARNING, OFFLINE)]
    lines: list[tuple[int, str]] = []
    for r in results:
        if not (r.ok and r.first_poll):
            continue
        analysed = r.items - r.recorded
        also = f"; the newest {analysed} analysed (backfill)" if analysed > 0 else ""
        lines.append(
            (
                logging.INFO,
                f"first poll of {r.url}: {r.items} items, {r.recorded} recorded without"
                f" alerting{also}; new items from now on are analysed and alerted",
            )
        )
    if any(r.ok and r.first_poll and r.recorded for r in results):
        lines.append((logging.INFO, BACKFILL_HINT))
    return lines


def log_first_poll(results: Sequence[FeedResult]) -> None:
    for level, line in first_poll_lines(results):
        log.log(level, line)


class FirstPollReport:
    """Collects the first result of each feed the bot started with (the scheduler polls
    them one by one), then logs `first_poll_lines` once."""

    def __init__(self, urls: Sequence[str], emit: Callable[[Sequence[FeedResult]], None]) -> None:
        self._waiting = set(urls)
        self._results: dict[str, FeedResult] = {}
        self._emit = emit

    def wrap(self, poll: PollFeed) -> PollFeed:
        async def reported_poll(url: str) -> FeedResult:
            result = await poll(url)
            self.record(result)
            return result

        return reported_poll

    def record(self, result: FeedResult) -> None:
        if result.url not in self._waiting or result.url in self._results:
            return
        self._results[result.url] = result
        if len(self._results) == len(self._waiting):
            self._emit(list(self._results.values()))
            self._waiting = set()  # once per run
