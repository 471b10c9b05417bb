"""Articles, their claims, and the stories they belong to (reads for chat and the CLI)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.base import StoreBase
from bot.store.bodies import unpack
from bot.store.search_ja import japanese_index_rows, write_japanese_index
from bot.store.search_writes import insert_indexed, shapes, split_fresh


@dataclass(frozen=True)
class StoredClaim:
    """A claim row as stored."""

    id: int
    article_id: str
    position: int
    text: str
    entities: tuple[str, ...]
    numbers: tuple[str, ...]
    novel: bool
    seen_in: str | None


class ArticlesMixin(StoreBase):
    """Reads and writes of articles, claims and story membership."""

    def has_article(self, article_id: str) -> bool:
        with self._lock:
            row = self.db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone()
        return row is not None

    def save_article(self, row: dict[str, Any]) -> None:
        """Insert or replace one article row (see migrations for the columns)."""
        japanese = japanese_index_rows([row])
        with self._lock:
            self.db["articles"].upsert(row, pk="id")  # type: ignore[union-attr]
            write_japanese_index(self.db.conn, japanese)

    def save_articles(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or update many article rows in one transaction: new ones with one insert
        per shape of row and one statement per search index (bot/store/search_writes.py),
        stored ones with one upsert per shape (sqlite-utils' per-row upsert costs ~15
        queries, and the insert trigger one FTS5 statement per row)."""
        japanese = japanese_index_rows(rows)  # its words split before the write transaction
        with self.transaction():
            write_japanese_index(self.db.conn, japanese)
            fresh, stored = split_fresh(self.db.conn, rows)
            insert_indexed(self.db.conn, fresh)
            for columns, group in shapes(stored).items():
                names = ", ".join(f'"{c}"' for c in columns)
                updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id")
                sql = (
                    f"INSERT INTO articles ({names}) VALUES ({', '.join('?' * len(columns))})"
                    f" ON CONFLICT(id) DO UPDATE SET {updates}"
                )
                self.db.conn.executemany(sql, [[r[c] for c in columns] for r in group])

    def language_counts(self) -> list[tuple[str, int, int]]:
        """(language code, articles analysed, articles not analysed for their language) per
        language of the feed articles, most articles first; rows from before languages were
        stored count as English."""
        sql = """
            SELECT COALESCE(language, 'en') AS lang,
                   SUM(reason NOT LIKE 'not analysed: language%'),
                   SUM(reason LIKE 'not analysed: language%')
            FROM articles WHERE kind = 'feed' AND status NOT IN ('recorded', 'pending')
            GROUP BY lang ORDER BY COUNT(*) DESC, lang
        """
        with self._lock:
            rows = self.db.execute(sql).fetchall()
        return [(str(r[0]), int(r[1] or 0), int(r[2] or 0)) for r in rows]

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = _texts(self.db["articles"].rows_where("id = ?", [article_id]))
        return rows[0] if rows else None

    def find_article_by_url(self, url: str) -> dict[str, Any] | None:
        with self._lock:
            rows = _texts(self.db["articles"].rows_where("url = ?", [url], limit=1))
        return rows[0] if rows else None

    def articles(self, kind: str | None = None) -> list[dict[str, Any]]:
        where, args = ("kind = ?", [kind]) if kind else (None, [])
        with self._lock:
            return _texts(self.db["articles"].rows_where(where, args, order_by="id"))

    def recent_articles(
        self, limit: int = 10, *, relevant_only: bool = True
    ) -> list[dict[str, Any]]:
        where = "kind = 'feed'" + (" AND relevant = 1" if relevant_only else "")
        with self._lock:
            rows = self.db["articles"].rows_where(where, order_by="seen_at DESC", limit=limit)
            return _texts(rows)

    # -------------------------------------------------------------- claims

    def save_claims(self, article_id: str, claims: Sequence[dict[str, Any]]) -> None:
        """Replace the claims of one article with `claims` (dicts with text, entities, ...)."""
        rows = []
        for position, claim in enumerate(claims):
            rows.append(
                {
                    "article_id": article_id,
                    "position": position,
                    "text": claim["text"],
                    "entities": json.dumps(list(claim.get("entities", ()))),
                    "numbers": json.dumps(list(claim.get("numbers", ()))),
                    "novel": int(bool(claim.get("novel", True))),
                    "seen_in": claim.get("seen_in"),
                    "published": claim.get("published"),
                    "story_id": claim.get("story_id"),
                }
            )
        with self._lock:
            self.db.execute("DELETE FROM claims WHERE article_id = ?", [article_id])
            if rows:
                self.db["claims"].insert_all(rows)  # type: ignore[union-attr]

    def claims_of(self, article_id: str) -> list[StoredClaim]:
        with self._lock:
            rows = list(
                self.db["claims"].rows_where("article_id = ?", [article_id], order_by="position")
            )
        return [_claim(r) for r in rows]

    def count(self, table: str) -> int:
        with self._lock:
            return self.db[table].count

    def known_items(
        self, feed_url: str, ids: Sequence[str], urls: Sequence[str], guids: Sequence[str]
    ) -> tuple[set[str], set[str], set[str]]:
        """Which of these article ids, canonical URLs (any feed) and guids (this feed) are
        already stored: one query per kind, for a whole feed at a time.

        An article another feed only recorded (its first poll, no alert) does not count as
        known for this feed: nobody was told about it, so this feed's report of it is news.
        """
        # Known = judged, or recorded by this very feed.
        told = "(status != 'recorded' OR feed_url = ?)"
        found: list[set[str]] = []
        with self._lock:
            for sql, values in (
                (f"SELECT id FROM articles WHERE {told} AND id IN ({{}})", list(ids)),
                (f"SELECT url FROM articles WHERE {told} AND url IN ({{}})", list(urls)),
                (
                    "SELECT guid FROM articles WHERE feed_url = ? AND guid IN ({})",
                    list(guids),
                ),
            ):
                hits: set[str] = set()
                for start in range(0, len(values), 500):
                    chunk = values[start : start + 500]
                    if not chunk:
                        continue
                    query = sql.format(", ".join("?" * len(chunk)))
                    args = [feed_url, *chunk]
                    hits.update(r[0] for r in self.db.execute(query, args).fetchall())
                found.append(hits)
        return found[0], found[1], found[2]

    def story_articles(self, story_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The articles of one story, oldest first (seeds included). An undated seed comes
        first: the seeds are what the bot knew before any feed, not news of the day it
        loaded them."""
        with self._lock:
            return list(
                self.db["articles"].rows_where(
                    "story_id = ?",
                    [story_id],
                    order_by="COALESCE(published,"
                    " CASE WHEN kind = 'seed' THEN '' ELSE seen_at END), rowid",
                    limit=limit,
                    select="id, kind, url, title, source, published, seen_at, status, reason",
                )
            )

    def recent_alerted(self, limit: int = 5) -> list[dict[str, Any]]:
        """The latest articles that were posted, newest first."""
        with self._lock:
            return _texts(
                self.db["articles"].rows_where(
                    "status = 'alerted'", order_by="seen_at DESC, rowid DESC", limit=limit
                )
            )

    def story(self, story_id: str) -> dict[str, Any] | None:
        """The stories row, when the analysis wrote one."""
        with self._lock:
            rows = list(self.db["stories"].rows_where("id = ?", [story_id]))
        return rows[0] if rows else None

    def find_story(self, ref: str) -> str | None:
        """The story a person means: its id (with or without `story:`), the start of an id
        when only one story has it, or its name (exact, then a part of it, newest first)."""
        ref = ref.strip()
        if not ref:
            return None
        with self._lock:
            for candidate in (ref, f"story:{ref}"):
                if self.db.execute(
                    "SELECT 1 FROM articles WHERE story_id = ? LIMIT 1", [candidate]
                ).fetchone():
                    return candidate
            head, _, tail = ref.partition("…")  # an id shortened for display: "story:000_29…txt"
            for prefix in (head, f"story:{head}"):
                pattern = _like_prefix(prefix) + (_like_prefix(tail)[:-1] if tail else "")
                ids = self.db.execute(
                    "SELECT DISTINCT story_id FROM articles WHERE story_id LIKE ? ESCAPE '\\'"
                    " LIMIT 2",
                    [pattern],
                ).fetchall()
                if len(ids) == 1:
                    return str(ids[0][0])
            for where in ("lower(title) = lower(?)", "instr(lower(title), lower(?)) > 0"):
                row = self.db.execute(
                    f"SELECT id FROM stories WHERE {where} ORDER BY rowid DESC LIMIT 1", [ref]
                ).fetchone()
                if row:
                    return str(row[0])
        return None

    def story_ids_like(self, prefix: str, limit: int = 25) -> list[str]:
        """Known story ids starting with `prefix` (for autocomplete), most recent first."""
        with self._lock:
            rows = self.db.execute(
                "SELECT story_id FROM articles WHERE story_id LIKE ? ESCAPE '\\'"
                " GROUP BY story_id ORDER BY MAX(seen_at) DESC LIMIT ?",
                [_like_prefix(prefix), limit],
            ).fetchall()
        return [r[0] for r in rows if r[0]]


def _texts(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Article rows as callers read them: the body as text (bot/store/bodies.py)."""
    out = []
    for row in rows:
        if isinstance(row.get("body"), bytes):
            row["body"] = unpack(row["body"])
        out.append(row)
    return out


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _claim(row: dict[str, Any]) -> StoredClaim:
    return StoredClaim(
        id=row["id"],
        article_id=row["article_id"],
        position=row["position"],
        text=row["text"],
        entities=tuple(json.loads(row["entities"] or "[]")),
        numbers=tuple(json.loads(row["numbers"] or "[]")),
        novel=bool(row["novel"]),
        seen_in=row["seen_in"],
    )
