"""What the database holds, and what the retention settings would free: a read-only report
for `newsbot storage`.

Sizes per table and index come from SQLite's `dbstat` table when the SQLite build has it
(each b-tree's pages, rows and bytes); without it the report gives row counts and the
file's page totals only. An FTS5 search index is one entry: its shadow tables summed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bot.store.retention import BODIES_DUE, OUTBOX_DUE
from bot.timeutil import iso

_FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


@dataclass(frozen=True)
class Part:
    """One table, index or search index: rows (entries) and bytes of its pages."""

    name: str
    kind: str  # table | index | search index
    table: str  # the table an index belongs to (itself for a table)
    rows: int | None
    bytes: int | None


@dataclass(frozen=True)
class WouldFree:
    """What the retention settings would remove if applied now."""

    bodies: int
    body_bytes: int
    payloads: int
    payload_bytes: int
    notices: int
    search_index_bytes: int  # an estimate: the index's share of the text that goes

    @property
    def total_bytes(self) -> int:
        return self.body_bytes + self.payload_bytes + self.search_index_bytes


@dataclass(frozen=True)
class Usage:
    """The report: the file, its parts, the articles and the outbox, and what would go."""

    path: str
    file_bytes: int
    wal_bytes: int
    page_size: int
    pages: int
    free_pages: int
    per_part_sizes: bool  # False when this SQLite has no dbstat
    parts: tuple[Part, ...]
    feed_articles: int
    seed_articles: int
    bodies_kept: int
    bodies_removed: int
    body_bytes: int
    oldest_seen: str | None
    newest_seen: str | None
    outbox_rows: int
    outbox_waiting: int
    payload_bytes: int
    would_free: WouldFree

    @property
    def used_bytes(self) -> int:
        return (self.pages - self.free_pages) * self.page_size

    @property
    def bytes_per_article(self) -> int:
        articles = self.feed_articles + self.seed_articles
        return round(self.used_bytes / articles) if articles else 0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["used_bytes"] = self.used_bytes
        data["bytes_per_article"] = self.bytes_per_article
        data["would_free"]["total_bytes"] = self.would_free.total_bytes
        return data


def database_usage(
    conn: sqlite3.Connection,
    path: Path,
    *,
    bodies_before: datetime | None,
    outbox_before: datetime | None,
) -> Usage:
    """The report for the database open on `conn` (read-only is enough); the cutoffs are
    the retention policy's (None: that part is kept forever)."""

    def one(sql: str, args: tuple[object, ...] = ()) -> int:
        return int(conn.execute(sql, args).fetchone()[0] or 0)

    page_size = one("PRAGMA page_size")
    parts, sized = _parts(conn)
    feeds = one("SELECT COUNT(*) FROM articles WHERE kind = 'feed'")
    kept = one("SELECT COUNT(*) FROM articles WHERE kind = 'feed' AND body IS NOT NULL")
    oldest, newest = conn.execute(
        "SELECT MIN(seen_at), MAX(seen_at) FROM articles WHERE kind = 'feed'"
    ).fetchone()
    body_bytes = one("SELECT SUM(length(CAST(body AS BLOB))) FROM articles")
    bodies = due_body_bytes = payloads = due_payload_bytes = notices = 0
    if bodies_before is not None:
        bodies, due_body_bytes = conn.execute(
            f"SELECT COUNT(*), COALESCE(SUM(length(CAST(body AS BLOB))), 0) FROM articles"
            f" WHERE {BODIES_DUE}",
            [iso(bodies_before)],
        ).fetchone()
    if outbox_before is not None:
        row = conn.execute(
            "SELECT COALESCE(SUM(kind != 'notice'), 0), COALESCE(SUM(kind = 'notice'), 0),"
            " COALESCE(SUM(CASE WHEN kind != 'notice' THEN length(CAST(payload AS BLOB)) - 2"
            " ELSE length(CAST(payload AS BLOB)) END), 0)"
            f" FROM outbox WHERE {OUTBOX_DUE}",
            [iso(outbox_before)],
        ).fetchone()
        payloads, notices, due_payload_bytes = int(row[0]), int(row[1]), int(row[2])
    index_share = 0
    search = next((p for p in parts if p.name == "articles_fts"), None)
    if search is not None and search.bytes and body_bytes:
        titles = one("SELECT SUM(length(CAST(title AS BLOB))) FROM articles")
        index_share = round(search.bytes * int(due_body_bytes) / (body_bytes + titles))
    return Usage(
        path=str(path),
        file_bytes=_size(path),
        wal_bytes=_size(path.with_name(path.name + "-wal")),
        page_size=page_size,
        pages=one("PRAGMA page_count"),
        free_pages=one("PRAGMA freelist_count"),
        per_part_sizes=sized,
        parts=parts,
        feed_articles=feeds,
        seed_articles=one("SELECT COUNT(*) FROM articles WHERE kind = 'seed'"),
        bodies_kept=kept,
        bodies_removed=feeds - kept,
        body_bytes=body_bytes,
        oldest_seen=oldest,
        newest_seen=newest,
        outbox_rows=one("SELECT COUNT(*) FROM outbox"),
        outbox_waiting=one("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
        payload_bytes=one("SELECT SUM(length(CAST(payload AS BLOB))) FROM outbox"),
        would_free=WouldFree(
            bodies=int(bodies),
            body_bytes=int(due_body_bytes),
            payloads=payloads,
            payload_bytes=due_payload_bytes,
            notices=notices,
            search_index_bytes=index_share,
        ),
    )


def _parts(conn: sqlite3.Connection) -> tuple[tuple[Part, ...], bool]:
    """Every table, index and search index, with dbstat's rows and bytes when it exists."""
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_stat%'"
    ).fetchall()
    virtual = {n for t, n, _tbl, sql in schema if t == "table" and _is_virtual(sql)}
    stats: dict[str, tuple[int, int]] = {}
    sized = True
    try:
        for name, size, rows in conn.execute(
            "SELECT name, SUM(pgsize),"
            " SUM(CASE WHEN pagetype = 'leaf' OR name IN"
            "  (SELECT name FROM sqlite_master WHERE type = 'index') THEN ncell ELSE 0 END)"
            " FROM dbstat GROUP BY name"
        ):
            stats[name] = (int(size or 0), int(rows or 0))
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        sized = False
    parts: list[Part] = []
    search: dict[str, list[int]] = {}  # virtual table -> [rows, bytes]
    for kind, name, table, _sql in sorted(schema, key=lambda r: (r[2], r[0] != "table", r[1])):
        owner = _shadow_of(name, virtual)
        if owner is not None or name in virtual:
            owner = owner or name
            entry = search.setdefault(owner, [0, 0])
            size, rows = stats.get(name, (0, 0))
            entry[1] += size
            if name == owner + "_docsize":
                entry[0] = rows
            continue
        if name.startswith("_sqlite") or name.startswith("idx__sqlite"):
            continue  # the migrations' own bookkeeping
        if sized:
            size, rows = stats.get(name, (0, 0))
            parts.append(Part(name, kind, table, rows, size))
        else:
            rows_counted = _count(conn, table) if kind == "table" else None
            parts.append(Part(name, kind, table, rows_counted, None))
    for owner, (rows, size) in sorted(search.items()):
        counted = rows if sized else None
        parts.append(Part(owner, "search index", owner, counted, size if sized else None))
    return tuple(parts), sized


def _is_virtual(sql: str | None) -> bool:
    return (sql or "").upper().startswith("CREATE VIRTUAL TABLE")


def _shadow_of(name: str, virtual: set[str]) -> str | None:
    for suffix in _FTS_SHADOWS:
        if name.endswith(suffix) and name[: -len(suffix)] in virtual:
            return name[: -len(suffix)]
    # the automatic index of a WITHOUT ROWID shadow table (e.g. articles_fts_idx)
    if name.startswith("sqlite_autoindex_"):
        base = name[len("sqlite_autoindex_") :].rsplit("_", 1)[0]
        return _shadow_of(base, virtual)
    return None


def _count(conn: sqlite3.Connection, table: str) -> int:
    quoted = table.replace('"', '""')
    return int(conn.execute(f'SELECT COUNT(*) FROM "{quoted}"').fetchone()[0])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
