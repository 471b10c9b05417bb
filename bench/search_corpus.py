"""The generated articles of bench/search.py, and the store and tantivy index built from them.

Each article has a title of 5-10 words and a body of 200-340 words drawn from one Zipf-like
vocabulary: about a hundred real English words and this beat's words ("the", "court",
"copyright", "data" ... in most articles) on top, then 40,000 made-up words of falling
frequency, plus 0-3 names per article from a pool of 200,000 (a name is in a handful of
articles). Article i is drawn from its own seed, so any one can be drawn again alone (the
queries are made that way) and nothing is held in memory: the builder streams batches.

The store is made by `Store.open` (so the schema, the page size and every index are the
bot's), then filled with one bulk INSERT per batch of rows as a cold poll writes them
(`not_relevant` feed rows: verdict JSON, guid, feed URL ...) with the search triggers
left out, and the search indexes are filled once at the end by FTS5's own 'rebuild' and the
triggers put back as the migrations wrote them; the builder checks that the finished
schema is the one a new store has. The tantivy index (if the `bench` extra is installed)
is written from the same batches in the same pass.
"""

from __future__ import annotations

import hashlib
import random
import resource
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

CORPUS_VERSION = "3"  # 3: the rows carry the bot's verdict JSON and language
COMMON = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "for",
    "on",
    "said",
    "it",
    "with",
    "as",
    "was",
    "by",
    "at",
    "from",
    "its",
    "be",
    "has",
    "have",
    "an",
    "are",
    "not",
    "will",
    "but",
    "which",
    "this",
    "or",
    "court",
    "ai",
    "data",
    "copyright",
    "training",
    "model",
    "models",
    "lawsuit",
    "case",
    "company",
    "companies",
    "judge",
    "publishers",
    "content",
    "use",
    "used",
    "license",
    "news",
]
BEAT = [
    "openai",
    "anthropic",
    "meta",
    "google",
    "microsoft",
    "stability",
    "midjourney",
    "getty",
    "authors",
    "artists",
    "music",
    "labels",
    "books",
    "images",
    "scraping",
    "crawler",
    "robots",
    "opt",
    "out",
    "licensing",
    "deal",
    "settlement",
    "ruling",
    "appeal",
    "filed",
    "claims",
    "infringement",
    "fair",
    "damages",
    "federal",
    "district",
    "complaint",
    "plaintiffs",
    "defendants",
    "generative",
    "chatbot",
    "dataset",
    "datasets",
    "works",
    "rights",
    "holders",
    "regulation",
    "act",
    "commission",
    "policy",
    "european",
    "union",
    "parliament",
    "office",
    "guidance",
    "consent",
    "creators",
    "photographers",
    "newspapers",
    "archive",
    "archives",
    "lyrics",
    "songs",
    "voices",
    "actors",
    "studios",
]
SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "ten",
    "dra",
    "vo",
    "lu",
    "shi",
    "par",
    "qen",
    "zo",
    "bel",
    "tur",
    "ix",
    "an",
    "er",
    "ol",
    "st",
    "ma",
    "ne",
]
PLANTED_QUERIES = 40
PLANTED_RELEVANT = 4
PLANTED_DISTRACTORS = 2000
BATCH = 20_000
COLUMNS = (
    "id, kind, url, title, source, published, seen_at, feed_url, body, status, reason,"
    " relevant, relevance, verdict, guid, text_source, language"
)


class Corpus:
    """A deterministic article generator: the same N gives the same articles and queries."""

    def __init__(self, n: int, seed: int = 13) -> None:
        self.n = n
        rng = random.Random(seed)
        made: list[str] = []
        taken = set(COMMON) | set(BEAT)
        while len(made) < 40_000:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in taken:
                taken.add(word)
                made.append(word)
        self.vocabulary = COMMON + BEAT + made
        # Zipf-like weights, as a lookup table (a uniform pick from it is a weighted pick).
        weights = np.array([1.0 / (rank + 8) ** 1.05 for rank in range(len(self.vocabulary))])
        counts = np.maximum(1, np.round(weights / weights.sum() * 3_000_000)).astype(np.int64)
        words = np.array(self.vocabulary, dtype=object)
        self.table = np.repeat(words, counts)
        self.title_table = self.table[300_000:]  # titles leave out the top few dozen words
        self.names: list[str] = []
        while len(self.names) < 200_000:
            name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))).capitalize()
            if name.lower() not in taken:
                taken.add(name.lower())
                self.names.append(name)
        # planted quality terms: relevant articles (title + body) and distractors (body once)
        self.planted: dict[str, list[int]] = {}
        self.plant_body: dict[int, list[str]] = {}
        self.plant_title: dict[int, list[str]] = {}
        for q in range(PLANTED_QUERIES):
            term = f"plantq{q}x"
            relevant = [rng.randrange(n) for _ in range(PLANTED_RELEVANT)]
            self.planted[term] = relevant
            for i in relevant:
                self.plant_title.setdefault(i, []).append(term)
                self.plant_body.setdefault(i, []).append(term)
            for _ in range(min(PLANTED_DISTRACTORS, n // 4)):
                self.plant_body.setdefault(rng.randrange(n), []).append(term)

    def article(self, i: int) -> tuple[str, str]:
        """(title, body) of article i."""
        title, body, _ = self.draw(i)
        return title, body

    def _pick(self, rng: random.Random, table: Any, k: int) -> list[str]:
        """k uniform picks from a table (weighted picks from the vocabulary), in numpy."""
        at = np.frombuffer(rng.randbytes(4 * k), dtype="<u4") % len(table)
        return list(table[at].tolist())

    def draw(self, i: int) -> tuple[str, str, list[str]]:
        """(title, body, the names in it) of article i."""
        rng = random.Random(i * 7919 + 1)
        words = self._pick(rng, self.table, rng.randint(200, 340))
        names = [self.names[int(len(self.names) * rng.random() ** 1.4)] for _ in range(3)]
        names = names[: rng.randint(0, 3)]
        for name in names:
            words.insert(rng.randrange(len(words)), name.lower())
        for term in self.plant_body.get(i, ()):
            words.insert(rng.randrange(len(words)), term)
        title_words = self._pick(rng, self.title_table, rng.randint(5, 10))
        if names and rng.random() < 0.5:
            title_words.insert(0, names[0])
        title_words.extend(self.plant_title.get(i, ()))
        for end in range(15, len(words) - 1, 16):  # sentences of 16 words
            words[end] += "."
        for start in range(0, len(words), 16):
            words[start] = words[start].capitalize()
        body = " ".join(words) + "."
        return " ".join(title_words).capitalize(), body, names

    def queries(self, per_class: int) -> dict[str, list[str]]:
        rng = random.Random(29)
        # mid-frequency words: ranks 150 to 3,000 of the vocabulary
        mid = self.vocabulary[150:3000]
        common = COMMON[:40]
        out: dict[str, list[str]] = {
            c: [] for c in ("one_word", "two_words", "phrase", "rare_name", "common_word")
        }
        for _ in range(per_class):
            out["one_word"].append(rng.choice(mid))
            out["two_words"].append(f"{rng.choice(mid)} {rng.choice(self.vocabulary[60:800])}")
            _, body = self.article(rng.randrange(self.n))
            words = [w.strip(".").lower() for w in body.split()]
            at = rng.randrange(len(words) - 3)
            out["phrase"].append(f'"{" ".join(words[at : at + 3])}"')
            names: list[str] = []
            while not names:
                names = self.draw(rng.randrange(self.n))[2]
            out["rare_name"].append(names[0])
            out["common_word"].append(rng.choice(common))
        return out


def article_key(i: int) -> str:
    return hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:16]


def row(i: int, title: str, body: str) -> tuple[Any, ...]:
    """Article i's row as a cold poll writes a not-relevant item (the bot's verdict JSON
    and packed body, as bot/store/rows.py's verdict_row writes them)."""
    from bot.models import Verdict
    from bot.store.bodies import pack
    from bot.store.rows import VERDICT_COLUMNS, verdict_json

    aid = article_key(i)
    when = (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=30 * i)).isoformat()
    reason = "not about AI training data (relevance 0.03)"
    verdict = Verdict(aid, False, 0.03, None, (), None, None, False, (), "", reason)
    site = i % 1000
    return (
        aid,
        "feed",
        f"https://site{site}.example/news/{i}",
        title,
        f"Site {site}",
        when,
        when,
        f"https://site{site}.example/feed.xml",
        pack(body),
        "not_relevant",
        reason,
        0,
        0.03,
        verdict_json(verdict, frozenset(VERDICT_COLUMNS)),
        f"site{site}-story-{i}",
        "feed",
        "en",
    )


def batches(corpus: Corpus) -> Iterator[list[tuple[int, str, str]]]:
    """The articles in batches of (i, title, body)."""
    for start in range(0, corpus.n, BATCH):
        yield [(i, *corpus.article(i)) for i in range(start, min(corpus.n, start + BATCH))]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


def build(store_path: Path | None, tantivy_writer: Any, corpus: Corpus) -> dict[str, Any]:
    """Write the corpus into a new store at `store_path` (None: no store) and into an open
    tantivy writer (None: none), streaming batches; returns the seconds of each step."""
    from bot.store import Store

    started = time.perf_counter()
    steps: dict[str, float] = {"generate_s": 0.0, "insert_s": 0.0, "tantivy_s": 0.0}
    store = conn = None
    if store_path is not None:
        for leftover in (store_path, Path(f"{store_path}-wal"), Path(f"{store_path}-shm")):
            leftover.unlink(missing_ok=True)
        fresh = Store.open(":memory:")
        expected = _schema(fresh.db.conn)
        fresh.close()
        store = Store.open(store_path)
        conn = store.db.conn
        # A bench build needs no crash safety: no journal while filling, big page cache.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -131072")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
    sql = f"INSERT INTO articles ({COLUMNS}) VALUES ({', '.join('?' * 17)})"
    done = 0
    clock = time.perf_counter()
    for batch in batches(corpus):
        now = time.perf_counter()
        steps["generate_s"] += now - clock
        if conn is not None:
            conn.execute("BEGIN")
            conn.executemany(sql, (row(i, title, body) for i, title, body in batch))
            conn.execute("COMMIT")
        clock = time.perf_counter()
        steps["insert_s"] += clock - now
        if tantivy_writer is not None:
            import tantivy  # type: ignore[import-not-found]

            for i, title, body in batch:
                tantivy_writer.add_document(tantivy.Document(title=title, body=body, n=i))
            now = time.perf_counter()
            steps["tantivy_s"] += now - clock
            clock = now
        done += len(batch)
        if done % 100_000 == 0:
            print(f"  {done} articles written, RSS peak {peak_rss_mb()} MB", file=sys.stderr)
    if tantivy_writer is not None:
        now = time.perf_counter()
        tantivy_writer.commit()
        tantivy_writer.wait_merging_threads()
        steps["tantivy_s"] += time.perf_counter() - now
    if store is not None and conn is not None:
        now = time.perf_counter()
        conn.execute("BEGIN")
        for _, trigger_sql in triggers:  # as the migrations left them, put back unchanged
            conn.execute(trigger_sql)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")
        conn.execute("INSERT INTO articles_title_fts(articles_title_fts) VALUES('rebuild')")
        conn.execute("COMMIT")
        steps["search_index_s"] = time.perf_counter() - now
        conn.execute("PRAGMA journal_mode = WAL")
        if _schema(conn) != expected:
            raise SystemExit("the bench store's schema is not the one Store.open makes")
        store.close()
    steps = {k: round(v, 1) for k, v in steps.items()}
    steps["build_s"] = round(time.perf_counter() - started, 1)
    steps["build_peak_rss_mb"] = peak_rss_mb()
    return steps
