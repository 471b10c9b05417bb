"""The retention pass's writes: old article bodies and expired outbox rows, one bounded
step per transaction (bot/retention.py decides when, and how many steps).

A step rewrites each of its rows without the part that goes: the row is deleted and
inserted again, same rowid and every other column as it was, in one transaction. An
UPDATE that only shrinks a row leaves the space it freed inside its page, where SQLite
never reuses it (new articles go to new pages at the end); a delete merges the emptied
pages and hands them to the free list, which new rows take before the file grows. The
search index's delete and insert triggers see the same two writes, so it drops the body's
words in the same transaction (the title stays searchable); foreign keys are checked at
the commit, when the row is back. A crash between two steps leaves every article either
whole or without its body, never half. After the bodies, bounded FTS5 'merge' steps fold
the index's delete markers in (`merge_search_index`). Only feed
articles lose bodies: seeds are the corpus, and an article still waiting for its analysis
(`pending`) or whose analysis failed (`error`) keeps its text.

In the outbox only rows that are done are touched: a sent or dead alert keeps its row
(where it was posted, for /news why and the sent-alerts counter; its key keeps an alert
from ever being queued twice) and loses its payload; a sent or dead notice is deleted.
Pending rows — waiting, retrying or being sent — are never touched.
"""

from __future__ import annotations

from datetime import datetime

from bot.errors import StoreError
from bot.store.base import StoreBase
from bot.timeutil import iso

EMPTY_PAYLOAD = "{}"
# The rows a pass removes as of a cutoff (the one parameter); `newsbot storage` counts the
# same rows (bot/store/usage.py). The partial indexes of migration m040 hold just these
# rows (before the cutoff), so a step reads only what it changes, however much is gone.
BODIES_DUE = (
    "body IS NOT NULL AND kind = 'feed' AND seen_at < ? AND status NOT IN ('pending', 'error')"
)
OUTBOX_DUE = "status IN ('sent', 'dead') AND payload != '{}' AND created_at < ?"


class RetentionMixin(StoreBase):
    """Removing what the retention settings no longer keep, a few hundred rows at a time."""

    def remove_bodies(self, seen_before: datetime, now: datetime, limit: int) -> int:
        """Remove the bodies of up to `limit` feed articles fetched before `seen_before`,
        oldest first; returns how many were removed (0: nothing left to do)."""
        with self.transaction():
            rowids = [
                r[0]
                for r in self.db.execute(
                    "SELECT rowid FROM articles INDEXED BY idx_articles_body_kept"
                    f" WHERE {BODIES_DUE} ORDER BY seen_at LIMIT ?",
                    [iso(seen_before), limit],
                ).fetchall()
            ]
            self._rewrite("articles", rowids, {"body": None, "body_removed_at": iso(now)})
            return len(rowids)

    def expire_outbox(self, created_before: datetime, limit: int) -> tuple[int, int]:
        """Empty the payloads of up to `limit` sent or dead alerts queued before
        `created_before`, and delete the sent or dead notices among them; returns
        (payloads emptied, notices deleted)."""
        with self.transaction():
            rows = self.db.execute(
                "SELECT id, kind FROM outbox INDEXED BY idx_outbox_payload_kept"
                f" WHERE {OUTBOX_DUE} ORDER BY id LIMIT ?",
                [iso(created_before), limit],
            ).fetchall()
            notices = [r[0] for r in rows if r[1] == "notice"]
            others = [r[0] for r in rows if r[1] != "notice"]
            self._rewrite("outbox", others, {"payload": EMPTY_PAYLOAD})
            if notices:
                marks = ",".join("?" * len(notices))
                self.db.execute(
                    f"DELETE FROM outbox WHERE id IN ({marks}) AND status IN ('sent', 'dead')",
                    notices,
                )
            return len(others), len(notices)

    def merge_search_index(self, pages: int) -> bool:
        """One bounded FTS5 merge of the articles' search index (about `pages` pages
        written): it folds in the delete markers removed bodies left, so the index gives
        their space back. True when it did some work (call again), False when none was
        left or the index is not an FTS5 table."""
        with self.transaction():
            if not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'"
                " AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%' COLLATE NOCASE"
            ).fetchone():
                return False
            before = self.db.conn.total_changes
            self.db.execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', ?)", [-pages]
            )
            return self.db.conn.total_changes - before > 1

    def space(self) -> tuple[int, int]:
        """(bytes in use, bytes of free pages) of the database file: cheap, for /news status."""
        with self._lock:
            size = int(self.db.execute("PRAGMA page_size").fetchone()[0])
            pages = int(self.db.execute("PRAGMA page_count").fetchone()[0])
            free = int(self.db.execute("PRAGMA freelist_count").fetchone()[0])
        return (pages - free) * size, free * size

    def vacuum(self) -> None:
        """Rebuild the file without its free pages (VACUUM), then fold the WAL back into it
        so the file shrinks now. Holds the database the whole time: the bot must be stopped."""
        with self._lock:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _rewrite(self, table: str, rowids: list[int], changes: dict[str, object]) -> None:
        """Delete these rows and insert them again with `changes` (inside a transaction):
        same rowid, every other column as it was, whatever columns the table has now."""
        if not rowids:
            return
        acting = self.db.execute(
            'SELECT m.name, f."from", f.on_delete FROM sqlite_master m,'
            " pragma_foreign_key_list(m.name) f"
            " WHERE m.type = 'table' AND f.\"table\" = ? AND f.on_delete != 'NO ACTION'",
            [table],
        ).fetchone()
        if acting is not None:  # a delete would reach that row: never rewrite then
            raise StoreError(
                f"retention: {acting[0]}.{acting[1]} is ON DELETE {acting[2]} of {table};"
                " rewriting a row would change it, so nothing was removed"
            )
        self.db.execute("PRAGMA defer_foreign_keys = ON")  # until this transaction commits
        columns = [r[1] for r in self.db.execute(f"PRAGMA table_info({table})").fetchall()]
        kept = [c for c in columns if c not in changes]
        names = ", ".join(f'"{c}"' for c in kept)
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(
            f"SELECT rowid, {names} FROM {table} WHERE rowid IN ({marks})", rowids
        ).fetchall()
        self.db.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", rowids)
        changed = ", ".join(f'"{c}"' for c in changes)
        values = ", ".join("?" * (1 + len(kept) + len(changes)))
        self.db.conn.executemany(
            f"INSERT INTO {table} (rowid, {names}, {changed}) VALUES ({values})",
            [(*row, *changes.values()) for row in rows],
        )
