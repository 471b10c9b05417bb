"""When to check a feed next: politeness after a success, backoff after a failure. Pure.

After a success: the latest of the feed's interval, the response's Cache-Control max-age or
Expires, the feed's RSS <ttl>, and any Retry-After; clamped to [min, max].
After a failure: the interval doubled per failure in a row, with jitter, capped (24 h by
default) and never less than Retry-After (itself capped). A feed is never given up on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckBounds:
    """Configured limits, in minutes / hours."""

    min_minutes: float = 5
    max_minutes: float = 1440
    backoff_cap_hours: float = 24


def freshness(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """How long the server says its answer stays fresh (Cache-Control, else Expires)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    cache = lowered.get("cache-control", "")
    if re.search(r"\b(no-store|no-cache)\b", cache, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(cache)
    if match:
        return timedelta(seconds=int(match.group(1)))
    expires = lowered.get("expires")
    if expires:
        try:
            when = parsedate_to_datetime(expires)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is not None and when > now:
            return when - now
    return None


def next_check_after_success(
    now: datetime,
    *,
    interval_minutes: float,
    bounds: CheckBounds,
    headers: Mapping[str, str] | None = None,
    ttl_minutes: int | None = None,
    retry_after_seconds: float | None = None,
) -> datetime:
    """The next check after a good answer (200 or 304)."""
    waits = [timedelta(minutes=interval_minutes)]
    fresh = freshness(headers or {}, now)
    if fresh is not None:
        waits.append(fresh)
    if ttl_minutes:
        waits.append(timedelta(minutes=ttl_minutes))
    if retry_after_seconds:
        waits.append(timedelta(seconds=retry_after_seconds))
    return now + _clamp(max(waits), bounds.min_minutes, bounds.max_minutes)


def next_check_after_failure(
    now: datetime,
    *,
    failures: int,
    interval_minutes: float,
    bounds: CheckBounds,
    rng: random.Random,
    retry_after_seconds: float | None = None,
) -> datetime:
    """The next check after `failures` failures in a row (1 for the first)."""
    cap = timedelta(hours=bounds.backoff_cap_hours)
    exponent = min(max(failures, 1) - 1, 30)
    delay = min(timedelta(minutes=interval_minutes) * (2**exponent), cap)
    delay = delay * rng.uniform(0.8, 1.0)  # jitter: failing feeds do not retry in lockstep
    if retry_after_seconds:
        delay = max(delay, timedelta(seconds=retry_after_seconds))
    upper = max(bounds.backoff_cap_hours * 60, bounds.max_minutes)
    return now + _clamp(delay, bounds.min_minutes, upper)


def _clamp(value: timedelta, low_minutes: float, high_minutes: float) -> timedelta:
    return max(timedelta(minutes=low_minutes), min(value, timedelta(minutes=high_minutes)))
