"""Full-text search over articles (FTS5), safe for any text a person types."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from bot.errors import SearchQueryError
from bot.store.base import StoreBase

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


class SearchMixin(StoreBase):
    """Article search."""

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
        hits = [
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
        return self._with_japanese(query, hits, limit=limit, offset=offset)

    def _with_japanese(
        self, query: str, hits: list[SearchHit], *, limit: int, offset: int
    ) -> list[SearchHit]:
        """Japanese articles have an index of their own (bot/store/search_ja.py)."""
        from bot.store.search_ja import with_japanese_hits

        with self._lock:
            return with_japanese_hits(self.db.conn, query, hits, limit=limit, offset=offset)


def fts_words(query: str) -> str:
    """Turn user text into a safe FTS5 query: every word quoted, all words required."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"that query is too long (at most {MAX_QUERY_CHARS} characters)")
    words = _WORD.findall(query)
    if not words:
        raise SearchQueryError("type at least one word or number to search for")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words[:32])
