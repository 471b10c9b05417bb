"""Search over Japanese articles: a separate FTS5 index of their words, which the application
splits (FTS5's unicode61 tokenizer takes a run of Japanese text for one word).

`articles_ja_fts` holds, per Japanese article, its title and body with the words spaced apart
(bot/analysis/japanese.py) and the canonical English names of its parties, so a Japanese word
(提訴) and the English name of a party ("Yomiuri", "Shueisha") both find it.
`japanese_index_rows` prepares the rows (outside any write transaction), `write_japanese_index`
writes them, and `with_japanese_hits` merges this index's hits into an article search.
"""

from __future__ import annotations

import heapq
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.analysis.aliases import canonicalize
from bot.analysis.japanese import english_terms, is_japanese, spaced
from bot.store.search import SearchHit

JAPANESE = "ja"
_WORD = re.compile(r"\w+", re.UNICODE)
# the spaces the index put between words, except between two Latin words or numbers
_INDEX_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")


def japanese_index_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(article id, spaced title, spaced body, English names) for each Japanese row."""
    out = []
    for row in rows:
        if row.get("language") != JAPANESE:
            continue
        title, body = row.get("title") or "", row.get("body") or ""
        names = english_terms(f"{title}\n{body[:4000]}").names
        out.append((row["id"], spaced(title), spaced(body), ", ".join(names)))
    return out


def write_japanese_index(conn: sqlite3.Connection, prepared: Sequence[tuple[str, ...]]) -> None:
    """Replace these articles' entries (call inside the write transaction)."""
    if not prepared:
        return
    conn.executemany(
        "DELETE FROM articles_ja_fts WHERE article_id = ?", [(p[0],) for p in prepared]
    )
    conn.executemany(
        "INSERT INTO articles_ja_fts(article_id, title, body, names) VALUES (?, ?, ?, ?)",
        prepared,
    )


def japanese_match(query: str) -> str | None:
    """An FTS5 query for the Japanese index: each Japanese run of the query as a phrase of its
    words, each other word as itself, the canonical name for an alias; all required. None when
    the query has no words."""
    parts: list[str] = []
    for run in _WORD.findall(canonicalize(query)):
        words = spaced(run).split() if is_japanese(run) else [run]
        words = [w for w in words if _WORD.fullmatch(w)]
        if words:
            parts.append('"' + " ".join(w.replace('"', '""') for w in words) + '"')
    return " ".join(parts[:32]) or None


def search_japanese(
    conn: sqlite3.Connection, query: str, *, limit: int, offset: int = 0
) -> list[SearchHit]:
    """Japanese articles matching `query`, best first (title words weigh 10x the body)."""
    match = japanese_match(query)
    if match is None:
        return []
    sql = """
        SELECT a.id, a.kind, a.title, a.url, a.source, a.published,
               snippet(articles_ja_fts, 1, '**', '**', '…', 16) AS snippet,
               bm25(articles_ja_fts, 10.0, 1.0, 5.0) AS rank
        FROM articles_ja_fts JOIN articles a ON a.id = articles_ja_fts.article_id
        WHERE articles_ja_fts MATCH ?
        ORDER BY rank
        LIMIT ? OFFSET ?
    """
    try:
        rows = conn.execute(sql, [match, limit, offset]).fetchall()
    except sqlite3.OperationalError:
        return []  # the index is missing (a database not yet upgraded): nothing to add
    return [
        SearchHit(
            article_id=r[0],
            kind=r[1],
            title=r[2] or "(untitled)",
            url=r[3],
            source=r[4],
            published=r[5],
            snippet=_INDEX_SPACE.sub("", r[6] or ""),
            rank=float(r[7]),
        )
        for r in rows
    ]


def with_japanese_hits(
    conn: sqlite3.Connection, query: str, hits: list[SearchHit], *, limit: int, offset: int = 0
) -> list[SearchHit]:
    """`hits` (a page of the article search) merged with the same page of the Japanese
    index's hits, best rank first, each article once."""
    japanese = search_japanese(conn, query, limit=limit, offset=offset)
    if not japanese:
        return hits
    seen = {h.article_id for h in hits}
    others = [h for h in japanese if h.article_id not in seen]
    # Each list keeps its own order (the article search puts title matches first);
    # the Japanese hits go in among them by rank.
    return list(heapq.merge(hits, others, key=lambda h: h.rank))[:limit]
