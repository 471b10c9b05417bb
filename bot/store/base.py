"""The base every part of the Store shares: one sqlite-utils Database and one lock.

The connection allows use from worker threads (`check_same_thread=False`); every read and
write holds `_lock` (re-entrant), and `transaction()` holds it to the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


class StoreBase:
    """The database and its lock; the aggregate mixins of Store build on these."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all; nested, a savepoint.

        Every savepoint has the same name (SQLite releases or rolls back the innermost of
        that name), so its two statements are compiled once; sqlite-utils' atomic() names
        each one afresh, and a warm poll's commit (three nested savepoints) took twice as
        long."""
        with self._lock:
            conn = self.db.conn
            if not conn.in_transaction:
                with self.db.atomic():
                    yield
                return
            conn.execute("SAVEPOINT newsbot")
            try:
                yield
            except BaseException:
                # an error such as a failed write can end the whole transaction already
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO SAVEPOINT newsbot")
                    conn.execute("RELEASE SAVEPOINT newsbot")
                raise
            conn.execute("RELEASE SAVEPOINT newsbot")

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Several reads that must see one state of the database (no commit in between)."""
        with self._lock:
            yield
