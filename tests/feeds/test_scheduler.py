"""The scheduler: a job per feed, started in the loop, honouring each feed's next check."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import FeedSchedule
from bot.scheduler import SYNC_JOB_ID, FeedScheduler
from bot.store import Store
from tests.waiting import wait_for

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)


@dataclass
class Outcome:
    next_check_at: datetime | None


class Poller:
    def __init__(self, next_check: datetime | None) -> None:
        self.calls: list[str] = []
        self.running = 0
        self.max_running = 0
        self.next_check = next_check

    async def __call__(self, url: str) -> Outcome:
        self.calls.append(url)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        await asyncio.sleep(0.05)
        self.running -= 1
        return Outcome(self.next_check)


def _clock() -> datetime:
    return datetime.now(UTC)


async def test_a_job_per_feed_honours_stored_next_check(store: Store) -> None:
    now = _clock()
    store.add_feed("https://a.example/feed", now=NOW, interval_minutes=15)
    store.add_feed("https://b.example/feed", now=NOW, interval_minutes=60)
    later = now + timedelta(hours=3)
    # b is failing: its backoff survives the restart. a is healthy: polled soon after start.
    store.update_feed(
        "https://b.example/feed",
        {"next_check_at": later.isoformat(), "consecutive_failures": 3},
    )
    store.update_feed("https://a.example/feed", {"next_check_at": later.isoformat()})
    sched = FeedScheduler(
        store, Poller(None), _clock, default_interval_minutes=30, jitter_seconds=30
    )
    sched.start()
    try:
        jobs = sched.feed_jobs()
        assert set(jobs) == {"https://a.example/feed", "https://b.example/feed"}
        a, b = jobs["https://a.example/feed"], jobs["https://b.example/feed"]
        assert a is not None and a <= now + timedelta(seconds=61)
        assert b is not None and abs((b - later).total_seconds()) < 1
        job = sched.scheduler.get_job("https://a.example/feed")
        assert job.trigger.interval == timedelta(minutes=15) and job.trigger.jitter == 30
        assert job.coalesce and job.max_instances == 1
    finally:
        await sched.stop()
    assert not sched.scheduler.running


async def test_stop_waits_for_a_poll_in_progress(store: Store) -> None:
    store.add_feed("https://g.example/feed", now=NOW)
    later = (_clock() + timedelta(hours=1)).isoformat()
    store.update_feed("https://g.example/feed", {"next_check_at": later, "consecutive_failures": 1})
    poller = Poller(None)
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    task = asyncio.create_task(sched._run("https://g.example/feed"))
    await asyncio.sleep(0.01)
    assert poller.running == 1
    await sched.stop()
    assert poller.running == 0 and poller.calls == ["https://g.example/feed"]
    await task


async def test_after_a_poll_the_job_moves_to_the_computed_next_check(store: Store) -> None:
    store.add_feed("https://c.example/feed", now=NOW)
    target = _clock() + timedelta(hours=5)
    poller = Poller(target)
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    try:
        await sched._run("https://c.example/feed")
        when = sched.feed_jobs()["https://c.example/feed"]
        assert when is not None and abs((when - target).total_seconds()) < 1
    finally:
        await sched.stop()


class HeldPoller(Poller):
    """Polls that wait until the test releases them, so a second run could overlap."""

    def __init__(self) -> None:
        super().__init__(None)
        self.release = asyncio.Event()

    async def __call__(self, url: str) -> Outcome:
        self.calls.append(url)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        await self.release.wait()
        self.running -= 1
        return Outcome(None)


async def _most_polls_at_once(store: Store, *, max_instances: int | None = None) -> HeldPoller:
    """Make a feed's job due again and again while its first poll is still running."""
    url = "https://d.example/feed"
    store.add_feed(url, now=NOW)
    poller = HeldPoller()
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    try:
        if max_instances is not None:
            sched.scheduler.modify_job(url, max_instances=max_instances)
        await wait_for(lambda: poller.running == 1)
        for _ in range(5):
            sched.poll_soon([url])  # due now, while the first poll is held
            await asyncio.sleep(0.05)
        poller.release.set()
        await wait_for(lambda: poller.running == 0)
    finally:
        await sched.stop()
    return poller


async def test_jobs_run_and_never_overlap_per_feed(store: Store) -> None:
    poller = await _most_polls_at_once(store)
    assert poller.calls == ["https://d.example/feed"]  # the due runs were skipped, not queued
    assert poller.max_running == 1


async def test_the_overlap_check_sees_an_overlap_when_one_is_allowed(store: Store) -> None:
    """The test above can fail: let the job run twice at once and the overlap shows."""
    poller = await _most_polls_at_once(store, max_instances=3)
    assert poller.max_running > 1


async def test_sync_follows_feeds_added_and_removed_while_running(store: Store) -> None:
    store.add_feed("https://e.example/feed", now=NOW)
    sched = FeedScheduler(
        store, Poller(None), _clock, default_interval_minutes=30, jitter_seconds=0
    )
    sched.start()
    try:
        store.add_feed("https://f.example/feed", now=NOW, interval_minutes=45)
        store.remove_feed("https://e.example/feed")
        sched.sync()
        assert set(sched.feed_jobs()) == {"https://f.example/feed"}
        store.update_feed("https://f.example/feed", {"interval_minutes": 90})
        sched.sync()
        job = sched.scheduler.get_job("https://f.example/feed")
        assert job.trigger.interval == timedelta(minutes=90)
    finally:
        await sched.stop()


class StuckPoller:
    """Polls that never finish by themselves (a feed server that hangs)."""

    def __init__(self) -> None:
        self.started = 0
        self.cancelled = 0

    async def __call__(self, url: str) -> Outcome:
        self.started += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return Outcome(None)


async def test_stopping_under_load_is_quiet(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    # Many feeds in flight when the bot stops: APScheduler cancels each job at shutdown,
    # and the polls still running after the grace time are cancelled by stop(). Neither
    # may log an error or a traceback.
    for i in range(40):
        store.add_feed(f"https://slow{i}.example/feed", now=NOW)
    poller = StuckPoller()
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    for job in sched.scheduler.get_jobs():
        job.modify(next_run_time=_clock())
    for _ in range(200):
        if poller.started == 40:
            break
        await asyncio.sleep(0.02)
    assert poller.started == 40
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        await sched.stop(grace_seconds=0.2)
        await asyncio.sleep(0.05)  # let APScheduler's job callbacks run
    assert poller.cancelled == 40
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [r.getMessage()[:200] for r in noisy]
    assert any("40 polls still running" in r.getMessage() for r in caplog.records)


async def test_grouped_polls_are_due_together_never_before_their_next_check(store: Store) -> None:
    """With group_seconds, poll times round up to a multiple of it: feeds due within those
    seconds run together, and none runs before its computed next check."""
    urls = [f"https://g{i}.example/feed" for i in range(20)]
    for url in urls:
        store.add_feed(url, now=NOW)
    target = _clock() + timedelta(hours=2, seconds=3.3)
    poller = Poller(target)
    sched = FeedScheduler(
        store,
        poller,
        _clock,
        default_interval_minutes=30,
        jitter_seconds=0,
        group_seconds=10,
    )
    sched.start()
    try:
        first = sched.feed_jobs()  # spread over a minute at start, on the 10 s grid
        for url in urls:
            await sched._poll_then_reschedule(url)
        after = sched.feed_jobs()
    finally:
        await sched.stop()
    for when in [*first.values(), *after.values()]:
        assert when is not None and when.timestamp() % 10 == 0
    assert len(set(first.values())) < len(urls)  # some feeds share a slot
    for url in urls:
        when = after[url]
        assert when is not None and target <= when < target + timedelta(seconds=10)
    assert len(set(after.values())) == 1


class SlowFeeds:
    """A feed source whose read takes a while (a busy database)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.reads = 0

    def feed_schedules(self) -> list[FeedSchedule]:
        self.reads += 1
        if self.reads > 1:  # the start's own read is quick
            time.sleep(0.5)
        return self._store.feed_schedules()


async def test_a_feed_sync_running_at_stop_ends_quietly(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_feed("https://h.example/feed", now=NOW)
    source = SlowFeeds(store)
    sched = FeedScheduler(
        source, Poller(None), _clock, default_interval_minutes=30, jitter_seconds=0
    )
    sched.start()
    sched.scheduler.modify_job(SYNC_JOB_ID, next_run_time=_clock())
    await wait_for(lambda: source.reads == 2)
    with caplog.at_level(logging.DEBUG):
        await sched.stop(grace_seconds=0.1)
        await asyncio.sleep(0.7)  # the read ends after the stop
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [r.getMessage()[:200] for r in noisy]


async def test_job_moves_in_one_loop_turn_share_one_pass_and_all_run(store: Store) -> None:
    """Every poll moves its job (a wake-up each); the moves made before the loop's next
    turn are seen by one pass over the due jobs, and none of them is lost."""
    urls = [f"https://m{i}.example/feed" for i in range(30)]
    for url in urls:
        store.add_feed(url, now=NOW)
    poller = Poller(None)
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    later = _clock() + timedelta(hours=1)
    for url in urls:  # nothing due for now
        sched.scheduler.modify_job(url, next_run_time=later)
    await asyncio.sleep(0.05)
    passes = 0
    process = sched.scheduler._process_jobs

    def counted() -> float | None:
        nonlocal passes
        passes += 1
        wait: float | None = process()
        return wait

    sched.scheduler._process_jobs = counted
    try:
        for url in urls:  # due now, all in one loop turn
            sched.scheduler.modify_job(url, next_run_time=_clock())
        await wait_for(lambda: len(poller.calls) == len(urls))
        assert sorted(poller.calls) == sorted(urls)
        assert passes <= 3  # one a move would be 30
    finally:
        await sched.stop()


async def test_a_job_moved_earlier_after_a_pass_still_runs(store: Store) -> None:
    """A move asked for while no pass is pending gets its own pass (the merge loses none)."""
    store.add_feed("https://n.example/feed", now=NOW)
    poller = Poller(None)
    sched = FeedScheduler(store, poller, _clock, default_interval_minutes=30, jitter_seconds=0)
    sched.start()
    try:
        sched.scheduler.modify_job(
            "https://n.example/feed", next_run_time=_clock() + timedelta(hours=1)
        )
        await asyncio.sleep(0.05)
        assert poller.calls == []
        sched.scheduler.modify_job("https://n.example/feed", next_run_time=_clock())
        await wait_for(lambda: poller.calls == ["https://n.example/feed"])
    finally:
        await sched.stop()


def test_feed_schedules_agree_with_the_feeds(store: Store) -> None:
    """The scheduler's light read gives what it needs exactly as the whole feeds have it."""
    later = NOW + timedelta(hours=3)
    store.add_feed("https://p.example/feed", now=NOW, interval_minutes=15)
    store.add_feed("https://q.example/feed", now=NOW)
    store.update_feed(
        "https://q.example/feed",
        {"next_check_at": later.isoformat(), "consecutive_failures": 4, "paused": 1},
    )
    light = store.feed_schedules()
    assert [s.url for s in light] == [f.url for f in store.feeds()]
    for schedule, feed in zip(light, store.feeds(), strict=True):
        assert schedule.interval_minutes == feed.interval_minutes
        assert schedule.paused == feed.paused
        assert schedule.next_check_at == feed.state.next_check_at
        assert schedule.consecutive_failures == feed.state.consecutive_failures
    q = light[1]
    assert (q.paused, q.next_check_at, q.consecutive_failures) == (True, later, 4)
    assert light[0].interval_minutes == 15 and not light[0].paused
