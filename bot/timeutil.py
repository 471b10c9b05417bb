"""Time in one form: UTC-aware datetimes, stored and shown as ISO 8601 strings."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """Datetimes are stored as ISO 8601 strings in UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
    return dt.astimezone(UTC).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 string (a trailing Z allowed) as a UTC datetime; None when empty or
    unreadable. A string without an offset is taken as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
