"""Wiring only: one APScheduler interval job per feed, each polling through the pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def build_scheduler(
    feeds: Sequence[tuple[str, int]],
    poll: Callable[[str], Awaitable[object]],
    *,
    jitter_seconds: int,
    first_run: datetime,
) -> AsyncIOScheduler:
    """A scheduler with a job per (feed url, interval minutes); call .start() inside the loop.

    Jobs coalesce missed runs and never overlap for the same feed. The first runs are
    spread over the first minute so a restart does not hit every site at once.
    """
    scheduler = AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    count = max(1, len(feeds))
    for index, (url, minutes) in enumerate(feeds):
        scheduler.add_job(
            poll,
            "interval",
            args=[url],
            id=url,
            name=f"poll {url}",
            minutes=minutes,
            jitter=jitter_seconds,
            next_run_time=first_run + timedelta(seconds=60 * index / count),
        )
    return scheduler
