"""What a poll does to a feed's state, decided in one place: pure functions returning values.

`after_failure`, `after_success` and `after_move` take the feed as it was and what the poll
saw, and return the next `FeedState` plus what to tell people: "feed is failing" once after
`failure_notice_after` failures in a row, "recovered" at the first good poll after that.
The pipeline only carries the result out (one store commit).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime

from bot.feeds.fetch import FetchResult
from bot.feeds.next_check import CheckBounds, next_check_after_failure, next_check_after_success
from bot.feeds.parse import ParsedFeed
from bot.models import Feed, FeedState

ERROR_CHARS = 500  # kept of an error or warning
NOTICE_ERROR_CHARS = 200  # of the error quoted in a "failing" notice


@dataclass(frozen=True)
class PollSettings:
    """How feeds are scheduled and reported (from the [polling] config)."""

    default_interval_minutes: int = 30
    bounds: CheckBounds = field(default_factory=CheckBounds)
    failure_notice_after: int = 5
    max_items_per_poll: int = 100  # new items analysed per poll of a feed; the rest wait


@dataclass(frozen=True)
class Transition:
    """A feed's next state, its new title (when the parse gave one) and a notice to post."""

    state: FeedState
    title: str | None = None
    notice: str | None = None


def interval_minutes(feed: Feed, settings: PollSettings) -> int:
    return int(feed.interval_minutes or settings.default_interval_minutes)


def after_move(state: FeedState, fetch_url: str) -> FeedState:
    """The feed moved permanently: fetch it from `fetch_url` from now on."""
    return dataclasses.replace(state, fetch_url=fetch_url)


def after_failure(
    feed: Feed,
    error: str,
    now: datetime,
    settings: PollSettings,
    rng: random.Random,
    *,
    retry_after: float | None = None,
) -> Transition:
    """A poll went wrong: back off (never give up), and say so once when it keeps failing."""
    old = feed.state
    failures = old.consecutive_failures + 1
    next_check = next_check_after_failure(
        now,
        failures=failures,
        interval_minutes=interval_minutes(feed, settings),
        bounds=settings.bounds,
        rng=rng,
        retry_after_seconds=retry_after,
    )
    notice = None
    notify = failures >= settings.failure_notice_after and not old.failing_notified
    if notify:
        since = old.last_success_at
        notice = (
            f"Feed {feed.label} is failing: {failures} checks in a row went wrong"
            f" (last error: {error[:NOTICE_ERROR_CHARS]})."
            + (f" Last good check: {since:%Y-%m-%d %H:%M} UTC." if since else "")
            + f" It keeps being retried; next try {next_check:%Y-%m-%d %H:%M} UTC."
        )
    state = dataclasses.replace(
        old,
        last_checked_at=now,
        last_error=error[:ERROR_CHARS],
        last_error_at=now,
        last_status="error",
        consecutive_failures=failures,
        next_check_at=next_check,
        failing_notified=old.failing_notified or notify,
    )
    return Transition(state, notice=notice)


def after_success(
    feed: Feed,
    now: datetime,
    settings: PollSettings,
    fetched: FetchResult,
    parsed: ParsedFeed | None,
    *,
    status: str,
    content_hash: str | None = None,
    items_wait: bool = False,
) -> Transition:
    """A good poll (`status` ok, not_modified or unchanged; `parsed` None unless ok).

    When new items wait for a later poll, the validators are dropped so the next poll
    fetches and parses in full and sees them again even if the feed does not change."""
    old = feed.state
    next_check = next_check_after_success(
        now,
        interval_minutes=interval_minutes(feed, settings),
        bounds=settings.bounds,
        headers=fetched.headers,
        ttl_minutes=parsed.ttl_minutes if parsed else None,
        retry_after_seconds=fetched.retry_after,
    )
    state = dataclasses.replace(
        old,
        last_checked_at=now,
        last_success_at=now,
        last_status=status,
        consecutive_failures=0,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        next_check_at=next_check,
        failing_notified=False,
    )
    if parsed is not None:
        state = dataclasses.replace(
            state,
            last_warning=parsed.warning[:ERROR_CHARS] if parsed.warning else None,
            first_poll_done=True,
            content_hash=content_hash,
        )
    if items_wait:
        state = dataclasses.replace(state, etag=None, last_modified=None, content_hash=None)
    notice = None
    if old.failing_notified:
        notice = f"Feed {feed.label} has recovered and is being read again."
    title = parsed.title if parsed is not None and parsed.title else None
    return Transition(state, title=title, notice=notice)
