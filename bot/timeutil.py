"""Time helpers: UTC now, and datetimes to and from the ISO 8601 strings the database keeps."""

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


def parse_iso(value: object) -> datetime | None:
    """A stored ISO 8601 string as a datetime (None when empty or not a date)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
