"""Liveness: the running bot writes a heartbeat row; `newsbot health` checks it and the database.

The heartbeat is written from the event loop through the bot's Store, so a stuck loop or a
stuck store shows up as a stale heartbeat. The check opens the database read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot import __version__
from bot.store import Store
from bot.store.faults import StorageStatus, describe, is_storage_fault
from bot.store.lock import running_bot
from bot.timeutil import iso

log = logging.getLogger(__name__)

HEARTBEAT_ID = 1
PROBE_SECONDS = 3.0  # how often a failing database is tried again


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing database file (never creates one)."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect_read_only(path)
    try:
        yield conn
    finally:
        conn.close()


class Heartbeat:
    """Writes "I am alive" into the database every `interval_seconds` while the bot runs.

    It writes through the bot's own Store (under its lock): a second writing connection
    would make the bot's deferred transactions fail with "database is locked". A bot stuck
    holding the store therefore also stops its heartbeat, which is what the check is for.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        interval_seconds: float,
        storage: StorageStatus | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._interval = interval_seconds
        self._started_at = clock()
        self._storage = storage

    def beat(self, state: str = "running") -> None:
        """Write one heartbeat now (blocking; call it from a worker thread in async code)."""
        with self._store.transaction():
            self._store.db.execute(
                "INSERT INTO ops_heartbeat (id, beat_at, started_at, state, pid, version)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET beat_at = excluded.beat_at,"
                " started_at = excluded.started_at, state = excluded.state,"
                " pid = excluded.pid, version = excluded.version",
                [
                    HEARTBEAT_ID,
                    iso(self._clock()),
                    iso(self._started_at),
                    state,
                    os.getpid(),
                    __version__,
                ],
            )

    async def run(self) -> None:
        """Beat until cancelled. A failed write goes to the storage status (one line for
        the whole fault); while the database is failing, a beat every few seconds finds
        out as soon as it works again."""
        while True:
            try:
                await asyncio.to_thread(self.beat)
            except sqlite3.Error as exc:
                if self._storage is None or not is_storage_fault(exc):
                    log.warning("could not write the heartbeat: %s", exc)
                else:
                    self._storage.failed(exc)
            else:
                if self._storage is not None:
                    self._storage.succeeded()
            failing = self._storage is not None and self._storage.fault is not None
            await asyncio.sleep(min(self._interval, PROBE_SECONDS) if failing else self._interval)

    def close(self) -> None:
        """Record a clean stop, so a health check says "stopped" rather than "stuck"."""
        try:
            self.beat("stopped")
        except sqlite3.Error as exc:
            log.warning("could not record the stop in the heartbeat: %s", exc)


@dataclass(frozen=True)
class HealthReport:
    """What `newsbot health` found; healthy only when there are no problems."""

    problems: tuple[str, ...]
    heartbeat_age_seconds: float | None = None
    started_at: str | None = None
    feeds: int = 0
    feeds_failing: int = 0
    outbox_pending: int = 0

    @property
    def healthy(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return "unhealthy: " + "; ".join(self.problems)
        age = self.heartbeat_age_seconds or 0.0
        return (
            f"healthy: heartbeat {age:.0f}s ago, {self.feeds} feeds"
            f" ({self.feeds_failing} failing), {self.outbox_pending} messages waiting"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "problems": list(self.problems),
            "heartbeat_age_seconds": self.heartbeat_age_seconds,
            "started_at": self.started_at,
            "feeds": self.feeds,
            "feeds_failing": self.feeds_failing,
            "outbox_pending": self.outbox_pending,
        }


def check_health(path: Path, now: datetime, *, max_age_seconds: float) -> HealthReport:
    """Is the database readable, and has the running bot written a heartbeat recently?

    A database problem the running bot reported beside the database (disk full,
    corruption) comes first: it is why a heartbeat would be stale. Failing feeds are
    reported but do not make the bot unhealthy: restarting the container would not fix
    somebody else's broken feed.
    """
    if not path.exists():
        return HealthReport((f"database {path} does not exist (has the bot started?)",))
    bot = running_bot(path)
    reported = (bot.problem,) if bot is not None and bot.problem else ()
    try:
        with read_only(path) as conn:
            feeds, failing = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(consecutive_failures > 0), 0) FROM feeds"
            ).fetchone()
            pending = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
            ).fetchone()[0]
            # The articles scan /metrics makes: corruption there fails both, never one.
            conn.execute("SELECT COUNT(*) FROM articles WHERE kind = 'feed'").fetchone()
            beat = _heartbeat_row(conn)
    except sqlite3.Error as exc:
        return HealthReport(reported or (describe(exc).line,))
    counts = HealthReport(
        (), feeds=int(feeds), feeds_failing=int(failing), outbox_pending=int(pending)
    )
    if reported:  # the running bot's own account of its database: the cause, not a symptom
        return dataclasses.replace(counts, problems=reported)
    if beat is None:
        problem = "no heartbeat yet: the bot has not run with this database"
        return dataclasses.replace(counts, problems=(problem,))
    beat_at, started_at, state = beat
    age = (now - datetime.fromisoformat(beat_at)).total_seconds()
    problems = []
    if state == "stopped":
        problems.append(f"the bot stopped at {beat_at}")
    elif age > max_age_seconds:
        problems.append(
            f"last heartbeat {age:.0f}s ago (limit {max_age_seconds:.0f}s): the bot is stuck"
            " or not running"
        )
    return dataclasses.replace(
        counts, problems=tuple(problems), heartbeat_age_seconds=age, started_at=started_at
    )


def _heartbeat_row(conn: sqlite3.Connection) -> tuple[str, str, str] | None:
    try:
        row = conn.execute(
            "SELECT beat_at, started_at, state FROM ops_heartbeat WHERE id = ?", [HEARTBEAT_ID]
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None  # a database from before the heartbeat existed
        raise
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))
