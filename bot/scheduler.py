"""Wiring only: one APScheduler job per feed, each polling through the pipeline.

Each job has the feed's own interval and jitter, coalesces missed runs and never overlaps
itself. After every poll the job is moved to the feed's computed next check (Cache-Control,
<ttl>, Retry-After, backoff), so the interval is a floor, not a promise. At start, a failing
feed waits for its stored next check (its backoff survives restarts); healthy feeds are
polled within the first minute. A sync job picks up
feeds added or removed while the bot runs (e.g. with `newsbot feeds add`). `add_periodic`
adds a job that is no feed's (the retention pass), which sync leaves alone.


With `group_seconds`, every poll time is rounded up to a multiple of it, so the feeds due
within those seconds are polled together: concurrently, sharing the event loop's wake-ups,
the HTTP connections and one database commit, as a poll cycle does. A poll alone costs
several times as much CPU (a commit, thread hops and loop turns of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.models import FeedSchedule

log = logging.getLogger(__name__)

SYNC_JOB_ID = "sync-feeds"


class PollOutcome(Protocol):
    @property
    def next_check_at(self) -> datetime | None: ...


class FeedSource(Protocol):
    def feed_schedules(self) -> list[FeedSchedule]: ...


class _MergedWakeups(AsyncIOScheduler):  # type: ignore[misc]
    """APScheduler's asyncio scheduler with the wake-ups that job changes ask for merged.

    Every poll moves its job to the feed's next check, and each move asks for a pass over
    the due jobs (a loop turn, a new timer): a thousand passes a minute for a thousand
    feeds. Here the moves made before the next loop turn share one pass, which sees them
    all (a move is stored before it asks)."""

    _wake_pending = False

    def start(self, paused: bool = False) -> None:
        self._wake_pending = False  # a pass asked for on a loop that is gone never comes
        super().start(paused)

    def wakeup(self) -> None:
        if self._wake_pending:
            return
        self._wake_pending = True
        self._eventloop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._wake_pending = False  # before the pass: a move during it asks for the next
        if not self.running:
            return
        self._stop_timer()
        self._start_timer(self._process_jobs())


class FeedScheduler:
    """A job per feed on an AsyncIOScheduler; start() inside the running loop."""

    def __init__(
        self,
        store: FeedSource,
        poll: Callable[[str], Awaitable[PollOutcome]],
        clock: Callable[[], datetime],
        *,
        default_interval_minutes: int,
        jitter_seconds: int,
        sync_seconds: int = 60,
        group_seconds: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._poll = poll
        self._clock = clock
        self._default_interval = default_interval_minutes
        self._jitter = jitter_seconds
        self._sync_seconds = sync_seconds
        self._group = group_seconds
        self._rng = rng or random.Random()
        self._running: set[asyncio.Task[Any]] = set()
        self._not_feeds = {SYNC_JOB_ID}  # ids of the jobs that poll no feed
        self._stopping = False
        self.scheduler: AsyncIOScheduler = _MergedWakeups(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def start(self) -> None:
        """Add a job per stored feed and start; call from inside the running event loop."""
        self.sync(spread=True)
        self.scheduler.add_job(
            self._sync_job,
            "interval",
            seconds=self._sync_seconds,
            id=SYNC_JOB_ID,
            name="sync feeds",
        )
        self.scheduler.start()

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop scheduling and let polls in progress finish (cancelled after a grace time),
        so no poll is cut off halfway through writing a feed's articles. Quietly: the jobs
        APScheduler cancels at shutdown end without an error."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # the asyncio scheduler shuts down on the loop's next turn
        running = [task for task in self._running if not task.done()]
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
                log.info(
                    "%d polls still running after %g s were stopped; they run again on the"
                    " next start",
                    len(pending),
                    grace_seconds,
                )

    def add_periodic(
        self,
        job_id: str,
        job: Callable[[], Awaitable[Any]],
        *,
        hours: float,
        first_run: datetime,
    ) -> None:
        """Run `job` every `hours`, first at `first_run`; never overlapping itself."""
        self._not_feeds.add(job_id)
        self.scheduler.add_job(
            job, "interval", hours=hours, id=job_id, name=job_id, next_run_time=first_run
        )

    def poll_soon(self, urls: list[str]) -> None:
        """Poll these feeds now, spread over a few seconds (e.g. when the database works
        again after a fault made their polls wait)."""
        now = self._clock()
        spread = min(30.0, len(urls) / 10)
        for index, url in enumerate(urls):
            offset = timedelta(seconds=spread * index / max(1, len(urls)))
            with contextlib.suppress(JobLookupError):
                self.scheduler.modify_job(url, next_run_time=self._grouped(now + offset))

    def feed_jobs(self) -> dict[str, datetime | None]:
        """Feed URL -> next run time, for every feed job."""
        return {
            job.id: job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id not in self._not_feeds
        }

    def sync(self, *, spread: bool = False) -> None:
        """Add jobs for new (or resumed) feeds, drop jobs of removed (or paused) feeds,
        follow interval changes."""
        stored = self._store.feed_schedules()
        feeds = {f.url: f for f in stored if not f.paused}
        paused = {f.url for f in stored if f.paused}
        jobs = {job.id: job for job in self.scheduler.get_jobs() if job.id not in self._not_feeds}
        for url in jobs.keys() - feeds.keys():
            self.scheduler.remove_job(url)
            what = "paused" if url in paused else "removed"
            log.info("feed %s; its job stopped", what, extra={"feed": url})
        now = self._clock()
        new = sorted(feeds.keys() - jobs.keys())
        for index, url in enumerate(new):
            feed = feeds[url]
            # A failing feed keeps its backoff across restarts; a healthy one is polled
            # soon after start (a conditional GET, so cheap for both sides).
            first = feed.next_check_at
            if not feed.consecutive_failures:
                first = None
            if first is None or first < now:
                # Spread first runs over a minute so a restart does not hit every site at once.
                offset = 60 * index / max(1, len(new)) if spread else 0.0
                first = now + timedelta(seconds=offset)
            first = self._grouped(first)
            self.scheduler.add_job(
                self._run,
                "interval",
                args=[url],
                id=url,
                name=f"poll {url}",
                minutes=self._interval(feed),
                jitter=self._jitter,
                next_run_time=first,
            )
        for url in feeds.keys() & jobs.keys():
            wanted = timedelta(minutes=self._interval(feeds[url]))
            if getattr(jobs[url].trigger, "interval", wanted) != wanted:
                self.scheduler.reschedule_job(
                    url, trigger="interval", minutes=self._interval(feeds[url]), jitter=self._jitter
                )

    async def _sync_job(self) -> None:
        # In a worker thread (it reads the store), as APScheduler ran the plain function;
        # a sync still running at shutdown ends quietly instead of as an "Error running
        # job" traceback from the cancelled executor future.
        try:
            await asyncio.to_thread(self.sync)
        except asyncio.CancelledError:
            if not self._stopping:
                raise

    async def _run(self, url: str) -> None:
        # The poll runs in a task of its own, shielded: APScheduler cancels its jobs at
        # shutdown, and stop() lets a poll in progress finish instead.
        task = asyncio.create_task(self._poll_then_reschedule(url), name=f"poll {url}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Shutdown cancels the job, not the poll: stop() waits for the poll (or cancels
            # it after the grace time). Ending quietly keeps APScheduler from logging a
            # "raised an exception" traceback per feed in flight.

    async def _poll_then_reschedule(self, url: str) -> None:
        outcome = await self._poll(url)
        next_check = outcome.next_check_at
        if next_check is None:
            return
        # Jitter spreads polls out, but never more than a quarter of the wait: a quick
        # retry (e.g. while the database is full) stays quick.
        wait = max(0.0, (next_check - self._clock()).total_seconds())
        spread = min(float(self._jitter), wait / 4)
        jitter = timedelta(seconds=self._rng.uniform(0, spread)) if spread else timedelta()
        with contextlib.suppress(JobLookupError):  # removed while it ran
            self.scheduler.modify_job(url, next_run_time=self._grouped(next_check + jitter))

    def _grouped(self, when: datetime) -> datetime:
        """`when` rounded up to the next multiple of group_seconds (never earlier, so a
        Retry-After or a backoff is still kept)."""
        if self._group <= 0:
            return when
        stamp = when.timestamp()
        return datetime.fromtimestamp(math.ceil(stamp / self._group) * self._group, when.tzinfo)

    def _interval(self, feed: FeedSchedule) -> int:
        return int(feed.interval_minutes or self._default_interval)
