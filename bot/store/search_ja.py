"""Search over Japanese articles: a separate FTS5 index of their words, which the application
splits (FTS5's unicode61 tokenizer takes a run of Japanese text for one word).

`articles_ja_fts` holds, per Japanese article, its title and body with the words spaced apart
(bot/analysis/japanese.py), the canonical English names of its parties, and its title and body
again as character bigrams of their Japanese runs (`grams`), so a Japanese word (提訴), a part
of a word the dictionary keeps whole (読売 of 読売新聞社) and the English name of a party
("Yomiuri", "Shueisha") all find it.
`japanese_index_rows` prepares the rows (outside any write transaction), `write_japanese_index`
writes them, and `with_japanese_hits` merges this index's hits into an article search.
"""

from __future__ import annotations

import heapq
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.analysis.aliases import canonicalize
from bot.analysis.japanese import english_terms, is_japanese, spaced
from bot.store.bodies import unpack
from bot.store.search import SearchHit

JAPANESE = "ja"
_WORD = re.compile(r"\w+", re.UNICODE)
# the spaces the index put between words, except between two Latin words or numbers
_INDEX_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
# a run of Japanese letters, which `grams` writes as its overlapping pairs of characters
_JAPANESE_RUN = re.compile(r"[\u3041-\u30fa\u30fc-\u30ff\u3400-\u9fff々〆ヶ]+")
_INSERT = (
    "INSERT INTO articles_ja_fts(article_id, title, body, names, title_grams, body_grams)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def grams(text: str) -> str:
    """`text` for the bigram columns: each Japanese run as its overlapping pairs of characters
    (読売新聞社 -> 読売 売新 新聞 聞社; a run of one character as itself), other words as they
    are. A query's grams are a phrase of the text's grams when it is a part of the text."""
    out: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text)):
        pos = 0
        for m in _JAPANESE_RUN.finditer(word):
            out += [word[pos : m.start()]] if m.start() > pos else []
            run = m.group(0)
            out += [run[i : i + 2] for i in range(max(1, len(run) - 1))]
            pos = m.end()
        out += [word[pos:]] if pos < len(word) else []
    return " ".join(out)


def unspaced(indexed: str) -> str:
    """Indexed (spaced) text as the article wrote it, bar spaces between Japanese words."""
    return _INDEX_SPACE.sub("", indexed)


def add_grams_to_index(conn: sqlite3.Connection) -> None:
    """Make the index again with the bigram columns, from its own rows (which keep the text
    of articles whose body retention has cleared), without running the tokenizer again.
    Migration m049 runs it: change it only with a new migration."""
    rows = conn.execute("SELECT article_id, title, body, names FROM articles_ja_fts").fetchall()
    conn.execute("DROP TABLE articles_ja_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE articles_ja_fts USING fts5(title, body, names, title_grams,"
        " body_grams, article_id UNINDEXED, tokenize = 'unicode61')"
    )
    conn.executemany(
        _INSERT, [(*r, grams(unspaced(r[1] or "")), grams(unspaced(r[2] or ""))) for r in rows]
    )


def japanese_index_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """(article id, spaced title, spaced body, English names, title grams, body grams) for
    each Japanese row."""
    out: list[tuple[str, ...]] = []
    for row in rows:
        if row.get("language") != JAPANESE:
            continue
        title, body = row.get("title") or "", unpack(row.get("body")) or ""
        names = english_terms(f"{title}\n{body[:4000]}").names
        out.append(
            (row["id"], spaced(title), spaced(body), ", ".join(names), grams(title), grams(body))
        )
    return out


def write_japanese_index(conn: sqlite3.Connection, prepared: Sequence[tuple[str, ...]]) -> None:
    """Replace these articles' entries (call inside the write transaction)."""
    if not prepared:
        return
    conn.executemany(
        "DELETE FROM articles_ja_fts WHERE article_id = ?", [(p[0],) for p in prepared]
    )
    conn.executemany(_INSERT, prepared)


def _phrase(words: Sequence[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def japanese_match(query: str) -> str | None:
    """An FTS5 query for the Japanese index: each Japanese run of the query as a phrase of its
    words or of its bigrams (a part of a compound word: 読売 of 読売新聞社), each other word as
    itself, the canonical name for an alias; all required. None when the query has no words."""
    parts: list[str] = []
    for run in _WORD.findall(canonicalize(query)):
        if not is_japanese(run):
            parts.append(f"{{title body names}} : {_phrase([run])}")
            continue
        words = [w for w in spaced(run).split() if _WORD.fullmatch(w)]
        if words:
            pairs = grams(run).split()
            parts.append(
                f"({{title body names}} : {_phrase(words)}"
                f" OR {{title_grams body_grams}} : {_phrase(pairs)})"
            )
    return " AND ".join(parts[:32]) or None  # FTS5 wants the AND before a bracket


def _snippet(fts_snippet: str, body: str, query: str) -> str:
    """The index's snippet, or for a part of a word (which it cannot mark) the body around
    the first Japanese run of the query found in it."""
    runs = _JAPANESE_RUN.findall(unicodedata.normalize("NFKC", query))
    if "**" in fts_snippet or not runs:
        return unspaced(fts_snippet)
    text = unspaced(body)
    for run in runs:
        at = text.find(run)
        if at >= 0:
            start, end = max(0, at - 24), min(len(text), at + len(run) + 24)
            return "".join(
                ("…" if start else "", text[start:at], f"**{run}**", text[at + len(run) : end],
                 "…" if end < len(text) else "")
            )  # fmt: skip
    return unspaced(fts_snippet)


def search_japanese(
    conn: sqlite3.Connection, query: str, *, limit: int, offset: int = 0
) -> list[SearchHit]:
    """Japanese articles matching `query`, best first (title words weigh 10x the body, whole
    words 2x parts of words)."""
    match = japanese_match(query)
    if match is None:
        return []
    sql = """
        SELECT a.id, a.kind, a.title, a.url, a.source, a.published,
               snippet(articles_ja_fts, 1, '**', '**', '…', 16) AS snippet,
               bm25(articles_ja_fts, 10.0, 1.0, 5.0, 5.0, 0.5) AS rank,
               articles_ja_fts.body
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
            snippet=_snippet(r[6] or "", r[8] or "", query),
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
