"""Full-text search over articles (FTS5), safe for any text a person types, in bounded time.

A query is answered in two stages, so its cost does not grow with the number of matches:

1. Candidates, each from a source that reads an index cheaply and stops after a fixed count
   (`CandidateSource`): the newest articles whose title holds every word
   (`articles_title_fts`), then the newest articles that hold every word anywhere
   (`articles_fts`). Another index (a second language, say) is one more source.
2. Ranking: bm25 over the candidates only, with the title weighing ten times the body as the
   index's own ranking does; articles matching in the title come first. The words' document
   counts are read from the index's postings (exact when few articles hold a word, else
   estimated from how far back its newest postings reach), lengths from the index's docsize,
   and a word's occurrences in a candidate counted on its text with a light stem (which
   articles match is FTS5's decision). The snippet is cut from the same text.

Ranking every match with FTS5's bm25 costs about 2 µs a match and reads every posting of
every word; with more matches than the candidate counts, the answer is the best of the
newest matches, which is what a news search wants. With fewer, every match is ranked.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.errors import SearchQueryError
from bot.store.base import StoreBase
from bot.store.bodies import unpack

# A word is what the index's tokenizer (unicode61 under porter) takes as one token: letters
# and digits. "\w" would keep "_" inside a word, and two tokens quoted together are a
# phrase, which an index without positions cannot answer.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_CHARS = 500
MAX_WORDS = 32
TITLE_CANDIDATES = 50  # newest articles with every word in the title
BODY_CANDIDATES = 100  # newest articles with every word anywhere
DF_SAMPLE = 64  # postings read to estimate how many articles hold a word
TITLE_WEIGHT, BODY_WEIGHT, K1, B = 10.0, 1.0, 1.2, 0.75  # FTS5's bm25 with the index's weights


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
class Candidate:
    """An article a source offers: `tier` 0 matches in the title, 1 anywhere."""

    rowid: int
    tier: int


# A candidate source: given the connection and the query's words, the articles worth ranking.
CandidateSource = Callable[[sqlite3.Connection, Sequence[str]], list[Candidate]]


class SearchMixin(StoreBase):
    """Article search."""

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> list[SearchHit]:
        """Full-text search over article titles (weighted 10x) and bodies, best match first.

        Any user text is safe: every word is quoted, so FTS syntax like `AND OR (` or a
        stray `"` is searched for literally. A query with no words raises SearchQueryError.
        """
        words = query_words(query)
        with self._lock:
            try:
                conn = self.db.conn
                ranked = rank(conn, words, gather(conn, words, article_sources()))
                page = ranked[offset : offset + limit]
                hits = [hit for rowid, score in page if (hit := _hit(conn, words, rowid, score))]
            except sqlite3.OperationalError as exc:  # defensive: should not happen once quoted
                raise SearchQueryError(f"could not search for that ({exc})") from None
        return self._with_japanese(query, hits, limit=limit, offset=offset)

    def _with_japanese(
        self, query: str, hits: list[SearchHit], *, limit: int, offset: int
    ) -> list[SearchHit]:
        """Japanese articles have an index of their own (bot/store/search_ja.py)."""
        from bot.store.search_ja import with_japanese_hits

        with self._lock:
            return with_japanese_hits(self.db.conn, query, hits, limit=limit, offset=offset)


def article_sources() -> tuple[CandidateSource, ...]:
    """Where candidates come from, in order: title matches, then any match."""
    return (title_candidates, body_candidates)


def title_candidates(conn: sqlite3.Connection, words: Sequence[str]) -> list[Candidate]:
    rows = conn.execute(
        "SELECT rowid FROM articles_title_fts WHERE articles_title_fts MATCH ?"
        " ORDER BY rowid DESC LIMIT ?",
        [fts_match(words), TITLE_CANDIDATES],
    ).fetchall()
    return [Candidate(r[0], 0) for r in rows]


def body_candidates(conn: sqlite3.Connection, words: Sequence[str]) -> list[Candidate]:
    rows = conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
        [fts_match(words), BODY_CANDIDATES],
    ).fetchall()
    return [Candidate(r[0], 1) for r in rows]


def gather(
    conn: sqlite3.Connection, words: Sequence[str], sources: Sequence[CandidateSource]
) -> dict[int, int]:
    """Every candidate of every source, by rowid, with the best (lowest) tier offered."""
    tiers: dict[int, int] = {}
    for source in sources:
        for c in source(conn, words):
            tiers[c.rowid] = min(c.tier, tiers.get(c.rowid, c.tier))
    return tiers


def rank(
    conn: sqlite3.Connection, words: Sequence[str], tiers: dict[int, int]
) -> list[tuple[int, float]]:
    """The candidates as (rowid, score), title matches first, then by bm25, then newest."""
    if not tiers:
        return []
    total, average = _averages(conn)
    newest = conn.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
    terms = [(_counter(w), _idf(conn, w, total, newest)) for w in dict.fromkeys(words)]
    rowids = sorted(tiers)
    texts: dict[int, tuple[str, str]] = {}
    lengths: dict[int, int] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for rowid, title, body in conn.execute(
            f"SELECT rowid, title, body FROM articles WHERE rowid IN ({marks})", chunk
        ):
            texts[rowid] = (title or "", unpack(body) or "")
        for rowid, size in conn.execute(
            f"SELECT id, sz FROM articles_fts_docsize WHERE id IN ({marks})", chunk
        ):
            lengths[rowid] = sum(_varints(size))
    scored = []
    for rowid in rowids:
        if rowid not in texts:
            continue  # deleted since the index was read (cannot happen under the lock)
        title, body = (t.lower() for t in texts[rowid])
        length = lengths.get(rowid) or 1
        norm = K1 * (1 - B + B * length / average) if average else K1
        score = 0.0
        for count, idf in terms:
            freq = TITLE_WEIGHT * count(title) + BODY_WEIGHT * count(body)
            score += idf * freq * (K1 + 1) / (freq + norm)
        scored.append((tiers[rowid], -score, -rowid, score))
    scored.sort()
    return [(-neg_rowid, score) for _, _, neg_rowid, score in scored]


def _hit(
    conn: sqlite3.Connection, words: Sequence[str], rowid: int, score: float
) -> SearchHit | None:
    row = conn.execute(
        "SELECT id, kind, title, url, source, published, body FROM articles WHERE rowid = ?",
        [rowid],
    ).fetchone()
    if row is None:
        return None
    return SearchHit(
        article_id=row[0],
        kind=row[1],
        title=row[2] or "(untitled)",
        url=row[3],
        source=row[4],
        published=row[5],
        snippet=snippet(unpack(row[6]) or "", words) or snippet(row[2] or "", words),
        rank=-score,  # lower is better, as FTS5's rank
    )


def snippet(text: str, words: Sequence[str], size: int = 16) -> str:
    """About `size` words of `text` from just before the first query word, each query word
    marked **so**, with "…" where the text goes on ("" when no word is there): FTS5's
    snippet() in spirit, in Python, from the text already read."""
    stems = [_stem(w) for w in dict.fromkeys(words)]
    lowered = text.lower()
    found = [at for stem in stems if (at := _word_start(lowered, stem)) >= 0]
    if not found:
        return ""
    first = min(found)
    before = list(_TOKEN.finditer(text, max(0, first - 40), first))[-2:]
    begin = before[0].start() if before else first
    tokens = []
    for token in _TOKEN.finditer(text, begin):
        tokens.append(token)
        if len(tokens) == size:
            break
    out, at = [], begin
    for token in tokens:
        word = token.group()
        marked = any(_is_form(word.lower(), stem) for stem in stems)
        out.append(text[at : token.start()] + (f"**{word}**" if marked else word))
        at = token.end()
    rest = text[at:]
    more = bool(_TOKEN.search(rest))
    if not more:
        out.append(rest)
    return ("…" if begin > 0 else "") + "".join(out).strip() + ("…" if more else "")


def _is_form(token: str, stem: str) -> bool:
    """Whether a lowercased token is a form of the stem (short stems: itself or plural)."""
    return token in (stem, stem + "s") if len(stem) <= 3 else token.startswith(stem)


def _word_start(lowered: str, stem: str) -> int:
    """Where `stem` first starts a word of a lowercased text, or -1."""
    if len(stem) <= 3:
        for token in _TOKEN.finditer(lowered):
            if _is_form(token.group(), stem):
                return token.start()
        return -1
    if lowered.startswith(stem):
        return 0
    found = [i + 1 for i in (lowered.find(" " + stem), lowered.find("\n" + stem)) if i >= 0]
    return min(found) if found else -1


# --------------------------------------------------------------- the statistics bm25 needs


def _averages(conn: sqlite3.Connection) -> tuple[int, float]:
    """(articles indexed, average tokens per article): FTS5's own 'averages' record."""
    row = conn.execute("SELECT block FROM articles_fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0, 0.0
    values = _varints(row[0])
    total = values[0] if values else 0
    return total, (sum(values[1:]) / total if total else 0.0)


def _idf(conn: sqlite3.Connection, word: str, total: int, newest: int) -> float:
    """FTS5's idf of one word: exact when at most DF_SAMPLE articles hold it, else estimated
    from how far back its DF_SAMPLE newest postings reach."""
    rows = conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
        [fts_match([word]), DF_SAMPLE],
    ).fetchall()
    if len(rows) < DF_SAMPLE:
        df = float(len(rows))
    else:
        reach = max(1, newest - rows[-1][0] + 1)
        df = min(float(total), DF_SAMPLE * max(newest, 1) / reach)
    idf = math.log((total - df + 0.5) / (df + 0.5)) if total else 0.0
    return max(idf, 1e-6)


def _varints(blob: bytes) -> list[int]:
    """SQLite's big-endian varints, as FTS5 stores sizes and counts."""
    values, value, count = [], 0, 0
    for byte in blob:
        count += 1
        if count == 9:  # the ninth byte carries eight bits
            values.append((value << 8) | byte)
            value, count = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            values.append((value << 7) | byte)
            value, count = 0, 0
    return values


# ------------------------------------------------------------------- words and stems

_TOKEN = re.compile(r"[^\W_]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "edly", "ed", "ies", "es", "ly", "s")


def _stem(word: str) -> str:
    """A light stem, no longer than the porter tokenizer's, to count a word's forms in the
    candidates (which articles match is decided by FTS5 itself)."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _counter(word: str) -> Callable[[str], int]:
    """How often a word, in any of its forms, starts a word of a lowercased text (counted
    with str.count, which is a hundred times faster than a regular expression here)."""
    stem = _stem(word)
    if len(stem) <= 3:  # "ai" must not count "aid" and "air": whole words only
        forms = [f"{a}{stem}{z}" for a in (" ", "\n") for z in (" ", ".", ",", "s ", "'")]
        starts = tuple(stem + z for z in (" ", ".", ",", "s ", "'"))
        return lambda text: (
            sum(text.count(f) for f in forms) + text.startswith(starts) + (text == stem)
        )
    spaced, lined = " " + stem, "\n" + stem
    return lambda text: text.count(spaced) + text.count(lined) + text.startswith(stem)


def query_words(query: str) -> list[str]:
    """The words of user text (at most MAX_WORDS), or SearchQueryError."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"that query is too long (at most {MAX_QUERY_CHARS} characters)")
    words = _WORD.findall(query)
    if not words:
        raise SearchQueryError("type at least one word or number to search for")
    return words[:MAX_WORDS]


def fts_match(words: Sequence[str]) -> str:
    """Words as a safe FTS5 query: every word quoted, all words required."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def fts_words(query: str) -> str:
    """Turn user text into a safe FTS5 query: every word quoted, all words required."""
    return fts_match(query_words(query))
