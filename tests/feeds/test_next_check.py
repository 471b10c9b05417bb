"""Next-check rules: the latest of interval, cache headers, <ttl>, Retry-After; clamped."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.next_check import (
    CheckBounds,
    freshness,
    next_check_after_failure,
    next_check_after_success,
)

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
BOUNDS = CheckBounds(min_minutes=5, max_minutes=720, backoff_cap_hours=24)


def _after(**kw: object) -> timedelta:
    when = next_check_after_success(NOW, interval_minutes=30, bounds=BOUNDS, **kw)  # type: ignore[arg-type]
    return when - NOW


@pytest.mark.parametrize(
    ("kw", "minutes"),
    [
        ({}, 30),
        ({"headers": {"Cache-Control": "public, max-age=7200"}}, 120),
        ({"headers": {"Cache-Control": "max-age=60"}}, 30),  # never sooner than the interval
        ({"headers": {"Cache-Control": "no-cache, max-age=7200"}}, 30),
        ({"headers": {"Expires": "Thu, 06 Nov 2025 12:00:00 GMT"}}, 180),
        ({"headers": {"Expires": "not a date"}}, 30),
        ({"ttl_minutes": 90}, 90),
        ({"retry_after_seconds": 3600.0}, 60),
        ({"headers": {"Cache-Control": "max-age=999999"}}, 720),  # clamped to the maximum
        ({"ttl_minutes": 90, "headers": {"Cache-Control": "max-age=10800"}}, 180),
    ],
)
def test_next_check_after_success(kw: dict[str, object], minutes: int) -> None:
    assert _after(**kw) == timedelta(minutes=minutes)


def test_minimum_bound_applies() -> None:
    when = next_check_after_success(NOW, interval_minutes=1, bounds=BOUNDS)
    assert when - NOW == timedelta(minutes=5)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    gaps = [
        next_check_after_failure(NOW, failures=n, interval_minutes=30, bounds=BOUNDS, rng=rng) - NOW
        for n in range(1, 15)
    ]
    assert timedelta(minutes=24) <= gaps[0] <= timedelta(minutes=30)
    assert timedelta(minutes=48) <= gaps[1] <= timedelta(minutes=60)
    assert all(g <= timedelta(hours=24) for g in gaps)
    assert gaps[-1] >= timedelta(hours=24) * 0.8  # still retried at least daily


def test_backoff_respects_retry_after_up_to_the_cap() -> None:
    rng = random.Random(2)
    hour = next_check_after_failure(
        NOW, failures=1, interval_minutes=30, bounds=BOUNDS, rng=rng, retry_after_seconds=3600
    )
    assert hour - NOW == timedelta(hours=1)
    week = next_check_after_failure(
        NOW, failures=1, interval_minutes=30, bounds=BOUNDS, rng=rng, retry_after_seconds=7 * 86400
    )
    assert week - NOW == timedelta(hours=24)


def test_freshness_prefers_cache_control_over_expires() -> None:
    headers = {"cache-control": "s-maxage=600", "expires": "Thu, 06 Nov 2025 12:00:00 GMT"}
    assert freshness(headers, NOW) == timedelta(seconds=600)
    assert freshness({"expires": "Thu, 06 Nov 2025 08:00:00 GMT"}, NOW) is None  # past
