"""What a poll does to a feed's state: pure transitions, checked without any I/O."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.feeds.fetch import FetchResult
from bot.feeds.parse import ParsedFeed
from bot.feeds.state import PollSettings, after_failure, after_move, after_success
from bot.models import Feed, FeedState

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
SETTINGS = PollSettings(default_interval_minutes=30, failure_notice_after=3)
FEED = Feed(url="https://n.example/feed.xml", name="Example", interval_minutes=30)
OK = FetchResult(url=FEED.url, status="ok", etag='"v2"', last_modified="Thu, 06 Nov 2025")


def _fail(feed: Feed, times: int) -> tuple[Feed, list[str]]:
    notices = []
    rng = random.Random(1)
    for i in range(times):
        change = after_failure(feed, "HTTP 500", NOW + timedelta(hours=i), SETTINGS, rng)
        feed = Feed(feed.url, feed.name, interval_minutes=30, state=change.state)
        if change.notice:
            notices.append(change.notice)
    return feed, notices


def test_failures_back_off_and_say_so_once_after_the_threshold() -> None:
    feed, notices = _fail(FEED, 5)
    assert feed.state.consecutive_failures == 5 and feed.state.last_status == "error"
    assert feed.state.failing_notified and len(notices) == 1  # on the 3rd, not again
    assert notices[0].startswith("Feed Example (https://n.example/feed.xml) is failing: 3 checks")
    assert "last error: HTTP 500" in notices[0] and "Last good check" not in notices[0]
    next_check = feed.state.next_check_at
    assert next_check is not None and next_check - feed.state.last_checked_at > timedelta(hours=3)


def test_the_first_good_poll_after_a_notice_says_recovered_and_resets() -> None:
    failing, _ = _fail(FEED, 3)
    change = after_success(failing, NOW, SETTINGS, OK, None, status="not_modified")
    assert change.notice == (
        "Feed Example (https://n.example/feed.xml) has recovered and is being read again."
    )
    state = change.state
    assert state.consecutive_failures == 0 and not state.failing_notified
    assert state.last_success_at == NOW and state.last_status == "not_modified"
    assert state.last_error == "HTTP 500"  # kept for `feeds list`, shown only while failing
    assert after_success(
        Feed(FEED.url, state=state), NOW, SETTINGS, OK, None, status="ok"
    ).notice is None  # fmt: skip


def test_a_parsed_poll_keeps_validators_unless_items_wait() -> None:
    parsed = ParsedFeed(title="The Example", items=(), warning="malformed, parsed anyway")
    done = after_success(FEED, NOW, SETTINGS, OK, parsed, status="ok", content_hash="abc")
    assert done.title == "The Example" and done.state.first_poll_done
    assert (done.state.etag, done.state.content_hash) == ('"v2"', "abc")
    assert done.state.last_warning == "malformed, parsed anyway"
    assert done.state.next_check_at == NOW + timedelta(minutes=30)
    waiting = after_success(
        FEED, NOW, SETTINGS, OK, parsed, status="ok", content_hash="abc", items_wait=True
    )
    assert (waiting.state.etag, waiting.state.last_modified, waiting.state.content_hash) == (
        None,
        None,
        None,
    )


def test_a_move_changes_only_where_the_feed_is_fetched_from() -> None:
    state = FeedState(etag='"x"', consecutive_failures=2)
    moved = after_move(state, "https://n.example/new.xml")
    assert moved == FeedState(
        fetch_url="https://n.example/new.xml", etag='"x"', consecutive_failures=2
    )
