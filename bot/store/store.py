"""The bot's one database: feeds, articles, claims, stories and the outbox, in SQLite.

One `Store` wraps one `sqlite_utils.Database`, composed of one part per aggregate:
feeds.py, articles.py, outbox.py, search.py, analysis_index.py, and polls.py (the one
commit of a poll); retention.py removes what the retention settings no longer keep. The
connection allows use from worker threads; every access holds the store's lock (base.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.errors import StoreError
from bot.store.analysis_index import AnalysisIndexMixin
from bot.store.articles import ArticlesMixin
from bot.store.bodies import register as register_bodies
from bot.store.faults import describe
from bot.store.feedback import FeedbackMixin
from bot.store.feeds import FeedsMixin
from bot.store.migrations import build_migrations
from bot.store.outbox import OutboxMixin
from bot.store.polls import PollsMixin
from bot.store.retention import RetentionMixin
from bot.store.routes import RoutesMixin
from bot.store.search import SearchMixin
from bot.store.upgrade import KEEP_UPGRADE_BACKUPS, prepare_upgrade
from bot.timeutil import utc_now


class Store(
    PollsMixin,
    FeedsMixin,
    ArticlesMixin,
    RoutesMixin,
    OutboxMixin,
    SearchMixin,
    AnalysisIndexMixin,
    RetentionMixin,
    FeedbackMixin,
):
    """All reads and writes of the bot's SQLite database."""

    @classmethod
    def open(cls, path: Path | str, *, keep_backups: int = KEEP_UPGRADE_BACKUPS) -> Store:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        A database with an older schema is first backed up beside itself (bot.store.upgrade;
        the newest `keep_backups` such backups are kept). `":memory:"` gives a private
        in-memory database that is gone on close.
        """
        target = str(path)
        migrations = build_migrations()
        if target != ":memory:":
            try:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {target}: {exc.strerror}") from None
            prepare_upgrade(Path(target), migrations, utc_now(), keep=keep_backups)
        try:
            conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
            register_bodies(conn)  # body_text(): the search index reads packed bodies
            db = Database(conn)
            if target != ":memory:":
                # 16 KB pages hold six article rows where 4 KB pages held one (a row of
                # 2-3 KB leaves the rest of a small page empty): 21% smaller on disk.
                # Only a new, empty database takes it; an existing one keeps its pages.
                db.execute("PRAGMA page_size = 16384")
                db.enable_wal()
                # WAL + NORMAL: commits stay atomic and consistent; only a power cut can
                # lose the last moments. FULL would fsync every feed poll.
                db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 5000")
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open {target}: {describe(exc).message}") from None
        return cls(db)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def journal_mode(self) -> str:
        row = self.db.execute("PRAGMA journal_mode").fetchone()
        return str(row[0])
