"""The bot's one database: feeds, articles, claims, stories and the outbox, in SQLite.

One `Store` wraps one `sqlite_utils.Database`. The connection allows use from worker
threads (`check_same_thread=False`); callers serialise access (one writer at a time).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.analysis.memory import ClaimQuery, KnownClaim, KnownStory, MemoryRecord, StoryQuery
from bot.errors import SearchQueryError, StoreError
from bot.store.faults import describe
from bot.store.migrations import build_migrations
from bot.store.upgrade import KEEP_UPGRADE_BACKUPS, prepare_upgrade

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class SearchHit:
    """One search result: an article and a snippet with the matched words marked."""

    article_id: str
    kind: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    snippet: str
    rank: float


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


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """Datetimes are stored as ISO 8601 strings in UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
    return dt.astimezone(UTC).isoformat()


class Store:
    """All reads and writes of the bot's SQLite database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()

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
            db = Database(conn)
            if target != ":memory:":
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        with self._lock, self.db.atomic():
            yield

    def journal_mode(self) -> str:
        row = self.db.execute("PRAGMA journal_mode").fetchone()
        return str(row[0])

    # ------------------------------------------------------------ articles

    def has_article(self, article_id: str) -> bool:
        with self._lock:
            row = self.db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone()
        return row is not None

    def save_article(self, row: dict[str, Any]) -> None:
        """Insert or replace one article row (see migrations for the columns)."""
        with self._lock:
            self.db["articles"].upsert(row, pk="id")  # type: ignore[union-attr]

    def save_articles(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or update many article rows in one transaction, one statement per shape of
        row (a feed poll writes thousands; sqlite-utils' per-row upsert costs ~15 queries)."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(row), []).append(row)
        with self.transaction():
            for columns, group in shapes.items():
                names = ", ".join(f'"{c}"' for c in columns)
                updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id")
                sql = (
                    f"INSERT INTO articles ({names}) VALUES ({', '.join('?' * len(columns))})"
                    f" ON CONFLICT(id) DO UPDATE SET {updates}"
                )
                self.db.conn.executemany(sql, [[r[c] for c in columns] for r in group])

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db["articles"].rows_where("id = ?", [article_id]))
        return rows[0] if rows else None

    def find_article_by_url(self, url: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db["articles"].rows_where("url = ?", [url], limit=1))
        return rows[0] if rows else None

    def articles(self, kind: str | None = None) -> list[dict[str, Any]]:
        where, args = ("kind = ?", [kind]) if kind else (None, [])
        with self._lock:
            return list(self.db["articles"].rows_where(where, args, order_by="id"))

    def recent_articles(
        self, limit: int = 10, *, relevant_only: bool = True
    ) -> list[dict[str, Any]]:
        where = "kind = 'feed'" + (" AND relevant = 1" if relevant_only else "")
        with self._lock:
            return list(self.db["articles"].rows_where(where, order_by="seen_at DESC", limit=limit))

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

    # --------------------------------------------------------------- feeds
    # The `feeds` row is keyed by the URL the feed was added with; `fetch_url` is where it is
    # fetched from after permanent redirects, so ids scoped to a feed never change.

    def sync_feeds(self, feeds: Sequence[dict[str, Any]], now: datetime) -> None:
        """Make the config's feeds match the store: add new ones, update settings, keep fetch
        state; feeds that came from the config earlier and are no longer in it are removed.
        Feeds added from the command line or chat (origin "cli") are left alone."""
        wanted = {f["url"] for f in feeds}
        with self.transaction():
            table = self.db["feeds"]
            for feed in feeds:
                existing = list(table.rows_where("url = ?", [feed["url"]]))
                changes = {k: v for k, v in feed.items() if k != "url"}
                if existing:
                    table.update(feed["url"], {**changes, "origin": "config"})  # type: ignore[union-attr]
                else:
                    table.insert({**feed, "origin": "config", "added_at": iso(now)})  # type: ignore[union-attr]
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

    def remove_feed(self, url: str) -> dict[str, Any] | None:
        """Remove a feed (by its URL or where it is fetched from); its articles stay."""
        with self.transaction():
            feed = self.find_feed(url)
            if feed is not None:
                self.db["feeds"].delete(feed["url"])  # type: ignore[union-attr]
        return feed

    def feeds(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db["feeds"].rows_where(order_by="url"))

    def get_feed(self, url: str) -> dict[str, Any] | None:
        with self._lock:
            cursor = self.db.conn.execute("SELECT * FROM feeds WHERE url = ?", [url])
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True)) if row else None

    def find_feed(self, url: str) -> dict[str, Any] | None:
        """A feed by the URL it was added with or the URL it is now fetched from."""
        with self._lock:
            rows = list(
                self.db["feeds"].rows_where("url = ? OR fetch_url = ?", [url, url], limit=1)
            )
        return rows[0] if rows else None

    def update_feed(self, url: str, changes: dict[str, Any]) -> None:
        """Change some columns of one feed (called after every poll, so plain SQL)."""
        if not changes:
            return
        columns = ", ".join(f'"{name}" = ?' for name in changes)
        with self._lock:
            self.db.conn.execute(
                f"UPDATE feeds SET {columns} WHERE url = ?", [*changes.values(), url]
            )

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

    # -------------------------------------------------------------- outbox

    def enqueue(
        self,
        *,
        kind: str,
        destination: str,
        payload: dict[str, Any],
        now: datetime,
        article_id: str | None = None,
    ) -> None:
        """Queue one message for one destination; an alert is queued once per destination."""
        with self._lock:
            self.db["outbox"].insert(  # type: ignore[union-attr]
                {
                    "kind": kind,
                    "article_id": article_id,
                    "destination": destination,
                    "payload": json.dumps(payload, ensure_ascii=False),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": iso(now),
                    "created_at": iso(now),
                },
                ignore=True,
            )

    def due_messages(
        self, destination: str, now: datetime, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Pending messages for a destination, oldest first, up to the first one not yet due.

        A message waiting for its retry time holds back the ones after it, so a
        destination always receives its messages in order.
        """
        with self._lock:
            rows = list(
                self.db["outbox"].rows_where(
                    "destination = ? AND status = 'pending'",
                    [destination],
                    order_by="id",
                    limit=limit,
                )
            )
        due = []
        for row in rows:
            if row["next_attempt_at"] > iso(now):
                break
            row["payload"] = json.loads(row["payload"])
            due.append(row)
        return due

    def mark_sent(self, message_id: int, now: datetime, message_ref: str | None = None) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_ref = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                [iso(now), message_ref, message_id],
            )

    def mark_retry(self, message_id: int, error: str, next_attempt_at: datetime) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
                " WHERE id = ?",
                [error[:500], iso(next_attempt_at), message_id],
            )

    def outbox_length(self, destination: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
        args: list[Any] = []
        if destination:
            sql += " AND destination = ?"
            args.append(destination)
        with self._lock:
            return int(self.db.execute(sql, args).fetchone()[0])

    # ---------------------------------------------------------------- chat
    # Used by bot/chat/: delivery intents, story threads, feed admin, command lookups.

    def mark_intent(self, message_ids: Sequence[int], now: datetime) -> None:
        """Record that a send of these messages is starting (reconciled after a crash)."""
        with self._lock:
            self.db.conn.executemany(
                "UPDATE outbox SET intent_at = ? WHERE id = ?",
                [(iso(now), mid) for mid in message_ids],
            )

    def mark_sent_many(
        self, message_ids: Sequence[int], now: datetime, message_ref: str | None
    ) -> None:
        """Mark several messages sent as one platform message (a digest)."""
        with self.transaction():
            for mid in message_ids:
                self.mark_sent(mid, now, message_ref)

    def mark_dead(self, message_id: int, error: str) -> None:
        """A message the platform will never accept: kept for inspection, not retried."""
        with self._lock:
            self.db.execute(
                "UPDATE outbox SET status = 'dead', last_error = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [error[:500], message_id],
            )

    def message_refs(self, article_id: str) -> list[dict[str, Any]]:
        """Where an article's alert went: destination, status, message_ref, sent_at."""
        with self._lock:
            return list(
                self.db["outbox"].rows_where(
                    "article_id = ? AND kind = 'alert'",
                    [article_id],
                    select="destination, status, message_ref, sent_at, last_error",
                    order_by="id",
                )
            )

    def outbox_summary(self) -> list[dict[str, Any]]:
        """Per destination: pending count, oldest pending, last sent time and last error."""
        sql = """
            SELECT destination,
                   SUM(status = 'pending') AS pending,
                   MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest_pending,
                   MAX(sent_at) AS last_sent_at,
                   (SELECT last_error FROM outbox o2 WHERE o2.destination = o.destination
                      AND o2.status = 'pending' AND o2.last_error IS NOT NULL
                    ORDER BY id LIMIT 1) AS last_error
            FROM outbox o GROUP BY destination ORDER BY destination
        """
        with self._lock:
            cursor = self.db.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def story_thread(self, destination: str, story_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(
                self.db["chat_threads"].rows_where(
                    "destination = ? AND story_id = ?", [destination, story_id]
                )
            )
        return rows[0] if rows else None

    def save_story_thread(
        self,
        destination: str,
        story_id: str,
        *,
        channel_id: str | None,
        message_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> None:
        with self._lock:
            self.db["chat_threads"].upsert(  # type: ignore[union-attr]
                {
                    "destination": destination,
                    "story_id": story_id,
                    "channel_id": channel_id,
                    "message_id": message_id,
                    "thread_id": thread_id,
                    "created_at": iso(now),
                },
                pk=("destination", "story_id"),
            )

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
            return list(
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

    # -------------------------------------------------------------- search

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> list[SearchHit]:
        """Full-text search over article titles (weighted 10x) and bodies, best match first.

        Any user text is safe: every word is quoted, so FTS syntax like `AND OR (` or a
        stray `"` is searched for literally. A query with no words raises SearchQueryError.
        """
        fts_query = fts_words(query)
        sql = """
            SELECT a.id, a.kind, a.title, a.url, a.source, a.published,
                   snippet(articles_fts, 1, '**', '**', '…', 16) AS snippet,
                   articles_fts.rank AS rank
            FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
            WHERE articles_fts MATCH ?
            ORDER BY articles_fts.rank
            LIMIT ? OFFSET ?
        """
        with self._lock:
            try:
                rows = self.db.execute(sql, [fts_query, limit, offset]).fetchall()
            except sqlite3.OperationalError as exc:  # defensive: should not happen once quoted
                raise SearchQueryError(f"could not search for that ({exc})") from None
        return [
            SearchHit(
                article_id=r[0],
                kind=r[1],
                title=r[2] or "(untitled)",
                url=r[3],
                source=r[4],
                published=r[5],
                snippet=r[6] or "",
                rank=float(r[7]),
            )
            for r in rows
        ]

    # ------------------------------------------------------ analysis memory

    # A query keeps its rarest words, in order of rarity, while the postings they would read
    # stay within POSTINGS_BUDGET (and at least MIN_QUERY_TERMS words): bm25 gives common
    # words little weight anyway, and their long posting lists are what would make retrieval
    # slow as history grows. The work per query is so bounded by the budget, not the history.
    MAX_QUERY_TERMS = 12
    MIN_QUERY_TERMS = 2
    POSTINGS_BUDGET = 150
    STORY_QUERY_HITS = 40
    STORY_MEMBERS = 4

    def remember_analysis(self, record: MemoryRecord) -> None:
        """Keep what later analyses look up: a relevant article's claims and story membership.
        Idempotent: an article already remembered is left as it is."""
        if not record.relevant or record.story is None:
            return
        with self.transaction():
            known = self.db.execute(
                "SELECT 1 FROM analysis_members WHERE article_id = ?", [record.article_id]
            ).fetchone()
            if known:
                return
            published = iso(record.published)
            self.db.conn.executemany(
                "INSERT INTO analysis_terms(term, df) VALUES (?, 1)"
                " ON CONFLICT(term) DO UPDATE SET df = df + 1",
                [(t,) for terms in (*record.claim_terms, record.terms) for t in set(terms)],
            )
            self.db.conn.executemany(
                "INSERT INTO analysis_claims(terms, text, article_id, story_id, entities,"
                " numbers, published, is_seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        " ".join(terms),
                        claim.text,
                        record.article_id,
                        record.story,
                        json.dumps(list(claim.entities), ensure_ascii=False),
                        json.dumps(list(claim.numbers), ensure_ascii=False),
                        published,
                        int(record.is_seed),
                    )
                    for claim, terms in zip(record.claims, record.claim_terms, strict=True)
                ],
            )
            if record.story_title:  # the first article of a story names it
                self.db.execute(
                    "INSERT OR IGNORE INTO stories(id, title, category, first_article_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        record.story,
                        record.story_title,
                        record.category,
                        record.article_id,
                        published,
                    ],
                )
            self.db.execute(
                "INSERT INTO analysis_heads(terms, article_id, story_id) VALUES (?, ?, ?)",
                [" ".join(record.terms), record.article_id, record.story],
            )
            self.db.execute(
                "INSERT INTO analysis_members(article_id, story_id, title, lead, terms, published,"
                " category, entities, is_seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.article_id,
                    record.story,
                    record.title,
                    record.lead,
                    " ".join(record.terms),
                    published,
                    record.category,
                    json.dumps(list(record.entities), ensure_ascii=False),
                    int(record.is_seed),
                ],
            )

    def claim_candidates(self, query: ClaimQuery, limit: int) -> list[KnownClaim]:
        """The stored claims that best match `query.terms` (FTS5 bm25, rarest words only)."""
        with self._lock:
            chosen, match = self._rare_query(query.terms)
            if not chosen:
                return []
            rows = self.db.execute(
                "SELECT rowid, text, article_id, story_id, entities, numbers, published, is_seed,"
                " terms FROM analysis_claims WHERE analysis_claims MATCH ?"
                " ORDER BY rank LIMIT ?",
                [match, limit],
            ).fetchall()
        return [
            KnownClaim(
                text=r[1],
                source_id=r[2],
                seq=int(r[0]),
                story=r[3],
                entities=tuple(json.loads(r[4] or "[]")),
                numbers=tuple(json.loads(r[5] or "[]")),
                published=_parse_time(r[6]),
                is_seed=bool(r[7]),
                terms=tuple((r[8] or "").split()),
            )
            for r in rows
        ]

    def story_candidates(self, query: StoryQuery, limit: int) -> list[KnownStory]:
        """Stories whose articles' titles and leads best match `query.terms` (FTS5 bm25)."""
        with self._lock:
            terms = self._rare_terms(query.terms)
            if not terms:
                return []
            hits = self.db.execute(
                "SELECT story_id FROM analysis_heads WHERE analysis_heads MATCH ?"
                " ORDER BY rank LIMIT ?",
                [fts_or(terms), self.STORY_QUERY_HITS],
            ).fetchall()
            story_ids = list(dict.fromkeys(h[0] for h in hits))[:limit]
            return self._stories(story_ids)

    def stories_by_id(self, story_ids: Sequence[str]) -> list[KnownStory]:
        """The stories with these ids (unknown ids are skipped)."""
        with self._lock:
            return self._stories(story_ids)

    def _stories(self, story_ids: Sequence[str]) -> list[KnownStory]:
        ids = list(dict.fromkeys(story_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        members: dict[str, list[Any]] = {}
        for row in self.db.execute(
            "SELECT story_id, article_id, title, terms, published, category, entities FROM"
            " (SELECT *, ROW_NUMBER() OVER (PARTITION BY story_id ORDER BY seq) AS n,"
            "  ROW_NUMBER() OVER (PARTITION BY story_id ORDER BY seq DESC) AS m"
            f"  FROM analysis_members WHERE story_id IN ({marks}))"
            " WHERE n <= ? OR m <= ? ORDER BY seq",
            [*ids, self.STORY_MEMBERS, self.STORY_MEMBERS],
        ).fetchall():
            members.setdefault(row[0], []).append(row[1:])
        stats = {
            row[0]: (int(row[1]), row[2])
            for row in self.db.execute(
                "SELECT story_id, COUNT(*), MAX(published) FROM analysis_members"
                f" WHERE story_id IN ({marks}) GROUP BY story_id",
                ids,
            ).fetchall()
        }
        titles = dict(
            self.db.execute(f"SELECT id, title FROM stories WHERE id IN ({marks})", ids).fetchall()
        )
        stories = []
        for story_id in ids:
            rows = members.get(story_id, [])  # the first and the last few members
            if not rows:
                continue
            size, last = stats[story_id]
            first = rows[0]
            entities: list[str] = []
            parties: list[tuple[str, ...]] = []
            for m in rows:
                parties.append(tuple(json.loads(m[5] or "[]")))
                for e in parties[-1]:
                    if e not in entities:
                        entities.append(e)
            stories.append(
                KnownStory(
                    story_id=story_id,
                    first_source=first[0],
                    first_title=first[1] or "",
                    first_published=_parse_time(first[3]),
                    last_published=_parse_time(last),
                    category=first[4],
                    entities=tuple(entities),
                    heads=tuple(m[2] or "" for m in rows),
                    size=size,
                    members=tuple(parties),
                    title=titles.get(story_id) or "",
                )
            )
        return stories

    def _rare_terms(self, terms: Sequence[str]) -> list[str]:
        """The query words worth looking up: known ones, rarest first, within the budget."""
        return self._rare_query(terms)[0]

    def _rare_query(self, terms: Sequence[str]) -> tuple[list[str], str]:
        """The chosen words and the FTS5 query for them: any of them while their postings fit
        the budget; when even the rarest two exceed it (the text has no rare word), both
        of those two are required, so ranking never reads a long list of weak matches."""
        wanted = [t for t in dict.fromkeys(terms) if t][:200]
        if not wanted:
            return [], ""
        marks = ",".join("?" * len(wanted))
        df = dict(
            self.db.execute(
                f"SELECT term, df FROM analysis_terms WHERE term IN ({marks})", wanted
            ).fetchall()
        )
        chosen: list[str] = []
        spent = 0
        for t in sorted(df, key=lambda t: (df[t], t)):
            if len(chosen) >= self.MAX_QUERY_TERMS:
                break
            if len(chosen) >= self.MIN_QUERY_TERMS and spent + df[t] > self.POSTINGS_BUDGET:
                break
            chosen.append(t)
            spent += df[t]
        if len(chosen) >= 2 and spent > self.POSTINGS_BUDGET:
            return chosen[:2], " AND ".join(fts_quote(t) for t in chosen[:2])
        return chosen, fts_or(chosen)


def fts_quote(term: str) -> str:
    """One word as an FTS5 string: quoted, so no word is read as query syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_or(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of `terms`, each quoted so no word is read as syntax."""
    return " OR ".join(fts_quote(t) for t in terms)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def fts_words(query: str) -> str:
    """Turn user text into a safe FTS5 query: every word quoted, all words required."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"that query is too long (at most {MAX_QUERY_CHARS} characters)")
    words = _WORD.findall(query)
    if not words:
        raise SearchQueryError("type at least one word or number to search for")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words[:32])


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
