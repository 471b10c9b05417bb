"""New article rows with their search index entries in one statement per index.

The insert trigger (`articles_ai`) indexes one row per call, and every FTS5 statement has a
fixed cost (about 50 µs for the two indexes), so a poll of 20 items paid it 20 times. While
`search_index_deferred` holds its row (migration m047) the trigger leaves new rows alone;
`insert_indexed` sets it for its inserts only, then indexes them all with one
`INSERT … SELECT` per index, in the caller's transaction. A rollback takes the flag and the
rows with it, so the indexes never disagree with the table; any other write (an update, a
delete, an insert elsewhere) goes through the triggers as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

_CHUNK = 500  # ids per statement (SQLite's variable limit is far above)
_ROWS = 100  # rows per insert statement (about 25 values each)


def shapes(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """The rows grouped by their columns, in order: one statement per shape."""
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(tuple(row), []).append(row)
    return grouped


def split_fresh(
    conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows whose id is not stored, each id once; the others, in their order): the first
    can be inserted and indexed together, the others are upserts through the triggers."""
    stored: set[str] = set()
    for chunk in _chunks(list({r["id"] for r in rows})):
        sql = f"SELECT id FROM articles WHERE id IN ({', '.join('?' * len(chunk))})"
        stored.update(r[0] for r in conn.execute(sql, chunk))
    fresh: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for row in rows:
        if row["id"] in stored:
            others.append(row)
        else:
            stored.add(row["id"])  # a second row with this id updates the first
            fresh.append(row)
    return fresh, others


def insert_indexed(conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows whose ids are not stored yet (split_fresh), and index them: one insert
    per shape of row, then one statement per search index. Call inside a transaction."""
    if not rows:
        return
    conn.execute("INSERT INTO search_index_deferred (id) VALUES (1)")
    for columns, group in shapes(rows).items():
        names = ", ".join(f'"{c}"' for c in columns)
        one = f"({', '.join('?' * len(columns))})"
        # One statement for many rows, not executemany: each statement inside a
        # transaction journals every page it changes that was dirty before it began
        # (16 KB each), so 20 one-row inserts copied the same index pages 20 times.
        for start in range(0, len(group), _ROWS):
            part = group[start : start + _ROWS]
            sql = f"INSERT INTO articles ({names}) VALUES {', '.join([one] * len(part))}"
            conn.execute(sql, [r[c] for r in part for c in columns])
    conn.execute("DELETE FROM search_index_deferred")
    for chunk in _chunks([r["id"] for r in rows]):
        marks = ", ".join("?" * len(chunk))
        # Ascending rowids: FTS5 flushes its pending terms whenever a rowid goes back.
        for target, indexed, read in (
            ("articles_fts", "rowid, title, body", "rowid, title, body_text(body)"),
            ("articles_title_fts", "rowid, title", "rowid, title"),
        ):
            conn.execute(
                f"INSERT INTO {target} ({indexed}) SELECT {read} FROM articles"
                f" WHERE id IN ({marks}) ORDER BY rowid",
                chunk,
            )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
