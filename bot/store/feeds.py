"""Watched feeds: added from the config, the command line or chat; their poll state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.models import Feed, FeedSchedule, FeedState
from bot.store.base import StoreBase
from bot.timeutil import iso, parse_iso, utc_now


class FeedsMixin(StoreBase):
    """Reads and writes of the `feeds` table; feeds come out as `Feed` values."""

    # The `feeds` row is keyed by the URL the feed was added with; `fetch_url` is where it is
    # fetched from after permanent redirects, so ids scoped to a feed never change.

    def sync_feeds(self, feeds: Sequence[Feed], now: datetime) -> None:
        """Make the config's feeds match the store: add new ones, update settings, keep fetch
        state; feeds that came from the config earlier and are no longer in it are removed.
        Feeds added from the command line or chat (origin "cli") are left alone."""
        wanted = {f.url for f in feeds}
        with self.transaction():
            table = self.db["feeds"]
            for feed in feeds:
                settings = {
                    "name": feed.name,
                    "interval_minutes": feed.interval_minutes,
                    "backfill": feed.backfill,
                    "origin": "config",
                }
                if list(table.rows_where("url = ?", [feed.url])):
                    table.update(feed.url, settings)  # type: ignore[union-attr]
                else:
                    table.insert({"url": feed.url, **settings, "added_at": iso(now)})  # type: ignore[union-attr]
            for row in list(table.rows_where("origin = 'config'")):
                if row["url"] not in wanted:
                    table.delete(row["url"])  # type: ignore[union-attr]

    def add_feed(
        self,
        url: str,
        name: str = "",
        interval_minutes: int = 30,
        now: datetime | None = None,
        *,
        title: str = "",
        backfill: int = 0,
        origin: str = "cli",
    ) -> bool:
        """Add one feed (from the command line or chat); False when a feed with that URL,
        or fetched from it after a redirect, exists."""
        now = now or utc_now()
        with self.transaction():
            if self.find_feed(url) is not None:
                return False
            self.db["feeds"].insert(  # type: ignore[union-attr]
                {
                    "url": url,
                    "name": name,
                    "title": title,
                    "interval_minutes": interval_minutes,
                    "backfill": backfill,
                    "origin": origin,
                    "added_at": iso(now),
                }
            )
        return True

    def remove_feed(self, url: str) -> Feed | None:
        """Remove a feed (by its URL or where it is fetched from); its articles stay."""
        with self.transaction():
            feed = self.find_feed(url)
            if feed is not None:
                self.db["feeds"].delete(feed.url)  # type: ignore[union-attr]
        return feed

    def feeds(self) -> list[Feed]:
        with self._lock:
            return [feed_from_row(r) for r in self.db["feeds"].rows_where(order_by="url")]

    def feed_schedules(self) -> list[FeedSchedule]:
        """Every feed's URL, interval, pause and next check: what the scheduler's sync
        reads every minute, without building whole Feeds."""
        with self._lock:
            rows = self.db.conn.execute(
                "SELECT url, interval_minutes, paused, next_check_at, consecutive_failures"
                " FROM feeds ORDER BY url"
            ).fetchall()
        return [
            FeedSchedule(url, interval or None, bool(paused), parse_iso(due), int(failures or 0))
            for url, interval, paused, due, failures in rows
        ]

    def get_feed(self, url: str) -> Feed | None:
        with self._lock:
            cursor = self.db.conn.execute("SELECT * FROM feeds WHERE url = ?", [url])
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        return feed_from_row(dict(zip(names, row, strict=True))) if row else None

    def find_feed(self, url: str) -> Feed | None:
        """A feed by the URL it was added with or the URL it is now fetched from."""
        with self._lock:
            rows = list(
                self.db["feeds"].rows_where("url = ? OR fetch_url = ?", [url, url], limit=1)
            )
        return feed_from_row(rows[0]) if rows else None

    def save_feed_state(self, url: str, state: FeedState, title: str | None = None) -> None:
        """Write a feed's whole poll state (and its title when the parse gave one)."""
        changes = state_columns(state)
        if title:
            changes["title"] = title
        self.update_feed(url, changes)

    def update_feed(self, url: str, changes: dict[str, Any]) -> None:
        """Change some columns of one feed (plain SQL: called after every poll)."""
        if not changes:
            return
        columns = ", ".join(f'"{name}" = ?' for name in changes)
        with self._lock:
            self.db.conn.execute(
                f"UPDATE feeds SET {columns} WHERE url = ?", [*changes.values(), url]
            )


_STATE_TIMES = ("last_checked_at", "last_success_at", "last_error_at", "next_check_at")
_STATE_FLAGS = ("failing_notified", "first_poll_done")


def state_columns(state: FeedState) -> dict[str, Any]:
    """A FeedState as the feeds table's columns."""
    columns: dict[str, Any] = {f: getattr(state, f) for f in FeedState.__dataclass_fields__}
    for name in _STATE_TIMES:
        columns[name] = iso(columns[name])
    for name in _STATE_FLAGS:
        columns[name] = int(columns[name])
    return columns


def feed_from_row(row: dict[str, Any]) -> Feed:
    """One row of the feeds table as a Feed."""
    state: dict[str, Any] = {f: row.get(f) for f in FeedState.__dataclass_fields__}
    for name in _STATE_TIMES:
        state[name] = parse_iso(state[name])
    for name in _STATE_FLAGS:
        state[name] = bool(state[name])
    state["consecutive_failures"] = int(state["consecutive_failures"] or 0)
    return Feed(
        url=row["url"],
        name=row.get("name") or "",
        title=row.get("title") or "",
        interval_minutes=row.get("interval_minutes") or None,
        backfill=int(row.get("backfill") or 0),
        origin=row.get("origin") or "config",
        added_at=parse_iso(row.get("added_at")),
        paused=bool(row.get("paused")),
        state=FeedState(**state),
    )
