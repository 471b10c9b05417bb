"""How fast `/news search` answers at 100,000 (or --articles N) stored articles, beside tantivy.

    .venv/bin/python bench/search.py                   # 100,000 articles
    .venv/bin/python bench/search.py --articles 1000000

The corpus (how it is made): each article has a title of 6-12 words and a body of 200-340
words drawn from one Zipf-like vocabulary: about a hundred real English words and this
beat's words ("the", "court", "copyright", "data" ... in most articles) on top, then 40,000
made-up words of falling frequency, plus 0-3 names per article from a pool of 200,000 (a
name is in a handful of articles). Every article is a `not_relevant` feed row as a cold
poll writes it (verdict JSON, guid, feed URL ...), inserted with one bulk INSERT per batch
into a store made by `Store.open`, so the schema, the FTS triggers and the page size are
the real ones. The store is kept under the cache folder (`--cache`, default a folder in
the temp dir) keyed by the schema's source and the corpus, so a rerun is quick.

Query classes, `--queries` (default 200) of each: one word (a mid-frequency word), two
words, phrase (three words that follow each other in some article's body), rare name, very
common word (in half or more of the articles). Each query is timed through
`Commands.search`, the function `/news search` calls (page 1: store.search(limit=6)).

The same queries run on tantivy (an index of the same corpus with title and body fields, the
title boosted 10x as the store's bm25 weighs it, every word required; kept in the cache
folder too) in the same run, if the `bench` extra is installed.

Quality: 40 planted queries: a made-up term put into the titles of 4 articles spread over
time (with the term once more in their bodies) and into the bodies of 2,000 others once each,
so more articles match than any bounded candidate set holds. recall@5 is the share of the 4
found in the first 5 answers; overlap@5 compares the first 5 answers with the first 5 of a
full bm25 ranking of every match (the store's ranking before it was bounded), for the
planted queries and for the first 20 queries of each class.

Prints one JSON line: p50/p95/max ms per class, `p95_ms` per class (and `p95_cpu_ms`, the
CPU time of the searching thread, which leaves out waiting for a core on a shared machine),
tantivy's under a `tantivy` key, the store's `bytes_per_article`, and the quality figures.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOALS = {"p95_ms_max_100k": 20.0, "p95_ms_max_1m": 50.0, "bytes_per_article_max": 3000}
CORPUS_VERSION = "1"
CLASSES = ("one_word", "two_words", "phrase", "rare_name", "common_word")
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
PLANTED_QUERIES = 40
PLANTED_RELEVANT = 4
PLANTED_DISTRACTORS = 2000


# ------------------------------------------------------------------------- the corpus


class Corpus:
    """A deterministic article generator: the same N gives the same articles and queries."""

    def __init__(self, n: int, seed: int = 13) -> None:
        self.n = n
        self.made: list[tuple[str, str]] | None = None
        rng = random.Random(seed)
        syllables = [
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
        made: list[str] = []
        taken = set(COMMON) | set(BEAT)
        while len(made) < 40_000:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            if word not in taken:
                taken.add(word)
                made.append(word)
        self.vocabulary = COMMON + BEAT + made
        # Zipf-like weights, as a lookup table (a uniform pick from it is a weighted pick).
        weights = [1.0 / (rank + 8) ** 1.05 for rank in range(len(self.vocabulary))]
        total = sum(weights)
        table: list[str] = []
        for word, weight in zip(self.vocabulary, weights, strict=True):
            table.extend([word] * max(1, round(weight / total * 3_000_000)))
        self.table = table
        self.title_table = table[300_000:]  # titles leave out the top few dozen words
        self.names: list[str] = []
        while len(self.names) < 200_000:
            name = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))).capitalize()
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
        if self.made is not None:
            return self.made[i]
        title, body, _ = self.draw(i)
        return title, body

    def make_all(self) -> None:
        """Draw every article once and keep them (the store and tantivy both read them)."""
        self.made = [self.draw(i)[:2] for i in range(self.n)]

    def draw(self, i: int) -> tuple[str, str, list[str]]:
        """(title, body, the names in it) of article i."""
        rng = random.Random(i * 7919 + 1)
        words = rng.choices(self.table, k=rng.randint(200, 340))
        names = [self.names[int(len(self.names) * rng.random() ** 1.4)] for _ in range(3)]
        names = names[: rng.randint(0, 3)]
        for name in names:
            words.insert(rng.randrange(len(words)), name)
        for term in self.plant_body.get(i, ()):
            words.insert(rng.randrange(len(words)), term)
        title_words = rng.choices(self.title_table, k=rng.randint(5, 10))
        if names and rng.random() < 0.5:
            title_words.insert(0, names[0])
        title_words.extend(self.plant_title.get(i, ()))
        sentences = [" ".join(words[s : s + 16]) for s in range(0, len(words), 16)]
        body = ". ".join(s.capitalize() for s in sentences) + "."
        return " ".join(title_words).capitalize(), body, names

    def rows(self, start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        """The article rows as a cold poll writes a not-relevant item."""
        base = datetime(2025, 1, 1, tzinfo=UTC)
        for i in range(start, stop):
            title, body = self.article(i)
            aid = hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:16]
            when = (base + timedelta(seconds=30 * i)).isoformat()
            verdict = {
                "article_id": aid,
                "relevant": False,
                "relevance": 0.03,
                "category": None,
                "signals": [],
                "story": None,
                "duplicate_of": None,
                "novel": False,
                "claims": [],
                "summary": "",
                "reason": "not about AI training data (relevance 0.03)",
                "story_title": None,
                "earlier": [],
            }
            feed = f"https://site{i % 1000}.example/feed.xml"
            yield (
                aid,
                "feed",
                f"https://site{i % 1000}.example/news/{i}",
                title,
                f"Site {i % 1000}",
                when,
                when,
                feed,
                body,
                "not_relevant",
                verdict["reason"],
                0,
                0.03,
                json.dumps(verdict, ensure_ascii=False),
                f"site{i % 1000}-story-{i}",
                "feed",
            )

    def queries(self, per_class: int) -> dict[str, list[str]]:
        rng = random.Random(29)
        # mid-frequency words: ranks 150 to 3,000 of the vocabulary
        mid = self.vocabulary[150:3000]
        common = COMMON[:40]
        out: dict[str, list[str]] = {c: [] for c in CLASSES}
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


# -------------------------------------------------------------------------- the store


COLUMNS = (
    "id, kind, url, title, source, published, seen_at, feed_url, body, status, reason,"
    " relevant, relevance, verdict, guid, text_source"
)


def schema_key() -> str:
    """What a cached store depends on: the schema's source and how the corpus is made."""
    source = (REPO / "bot" / "store" / "migrations.py").read_bytes()
    store = (REPO / "bot" / "store" / "store.py").read_bytes()
    return hashlib.sha256(source + store + CORPUS_VERSION.encode()).hexdigest()[:12]


def build_store(path: Path, corpus: Corpus) -> float:
    """Write the corpus into a new store at `path`; seconds taken."""
    from bot.store import Store

    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    store = Store.open(partial)
    sql = f"INSERT INTO articles ({COLUMNS}) VALUES ({', '.join('?' * 16)})"
    step = 5000
    for start in range(0, corpus.n, step):
        rows = list(corpus.rows(start, min(corpus.n, start + step)))
        with store.transaction():
            store.db.conn.executemany(sql, rows)
        if start and start % 100_000 == 0:
            print(f"  {start} articles stored", file=sys.stderr)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    partial.rename(path)
    return time.perf_counter() - started


def open_store(cache: Path, corpus: Corpus) -> tuple[Any, Path, float | None]:
    from bot.store import Store

    path = cache / f"store-{corpus.n}-{schema_key()}.db"
    built = None
    if not path.exists():
        print(f"building {path} (once)", file=sys.stderr)
        built = build_store(path, corpus)
    return Store.open(path), path, built


# ------------------------------------------------------------------------ tantivy


def tantivy_engine(cache: Path, corpus: Corpus) -> Callable[[str], list[str]] | None:
    """A search function over a tantivy index of the same corpus, or None without tantivy."""
    try:
        import tantivy  # type: ignore[import-not-found]
    except ImportError:
        return None
    schema_builder = tantivy.SchemaBuilder()
    schema_builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    schema_builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema_builder.add_integer_field("n", stored=True, indexed=False, fast=True)
    schema = schema_builder.build()
    folder = cache / f"tantivy-{corpus.n}-{CORPUS_VERSION}"
    done = folder / "complete"
    if not done.exists():
        print(f"building {folder} (once)", file=sys.stderr)
        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(schema, path=str(folder), reuse=False)
        writer = index.writer(heap_size=200_000_000, num_threads=2)
        for i in range(corpus.n):
            title, body = corpus.article(i)
            writer.add_document(tantivy.Document(title=title, body=body, n=i))
        writer.commit()
        writer.wait_merging_threads()
        done.write_text("ok")
    index = tantivy.Index(schema, path=str(folder))
    index.reload()
    searcher = index.searcher()

    def search(query: str) -> list[str]:
        words = _words(query)
        parsed = index.parse_query(
            " AND ".join(words), ["title", "body"], field_boosts={"title": 10.0}
        )
        hits = searcher.search(parsed, 6).hits
        return [str(searcher.doc(address)["n"][0]) for _, address in hits]

    return search


def _words(query: str) -> list[str]:
    import re

    return re.findall(r"\w+", query.lower())


# ------------------------------------------------------------------------ measuring


def timed(fn: Callable[[str], object], queries: list[str]) -> dict[str, float]:
    """Wall-clock p50/p95/max, and the p95 of the CPU time this thread spent (on a shared
    machine the wall clock also counts the time spent waiting for a core)."""
    times, cpu = [], []
    for q in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        fn(q)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()
    at = max(0, int(len(times) * 0.95) - 1)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[at], 2),
        "max_ms": round(times[-1], 2),
        "p95_cpu_ms": round(cpu[at], 2),
    }


def full_ranking(db: sqlite3.Connection, query: str, n: int = 5) -> list[str]:
    """The first n of every match ranked by bm25 (titles 10x): the ranking before bounding."""
    from bot.store.search import fts_words

    sql = (
        "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 10.0, 1.0) LIMIT ?"
    )
    return [r[0] for r in db.execute(sql, [fts_words(query), n])]


def search_before(db: sqlite3.Connection, query: str) -> list[Any]:
    """`/news search` page 1 as the store answered it before candidates were bounded: every
    match ranked by FTS5's bm25 (the same SQL), on the same store."""
    from bot.store.search import fts_words

    sql = """
        SELECT a.id, a.kind, a.title, a.url, a.source, a.published,
               snippet(articles_fts, 1, '**', '**', '…', 16) AS snippet,
               bm25(articles_fts, 10.0, 1.0) AS rank
        FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
        WHERE articles_fts MATCH ?
        ORDER BY rank
        LIMIT 6 OFFSET 0
    """
    return db.execute(sql, [fts_words(query)]).fetchall()


def article_key(i: int) -> str:
    return hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:16]


def quality(store: Any, corpus: Corpus, queries: dict[str, list[str]]) -> dict[str, Any]:
    def top(q: str) -> list[str]:
        return [h.article_id for h in store.search(q, limit=5)]

    recall, recall_full, overlap_planted = [], [], []
    for term, relevant in corpus.planted.items():
        wanted = {article_key(i) for i in relevant}
        ours, full = top(term), full_ranking(store.db.conn, term)
        recall.append(len(wanted & set(ours)) / len(wanted))
        recall_full.append(len(wanted & set(full)) / len(wanted))
        overlap_planted.append(len(set(ours) & set(full)) / max(1, len(full)))
    overlap: dict[str, float] = {}
    for cls in CLASSES:
        shares = []
        for q in queries[cls][:20]:
            full = full_ranking(store.db.conn, q)
            if full:
                shares.append(len(set(top(q)) & set(full)) / len(full))
        overlap[cls] = round(statistics.mean(shares), 3) if shares else 1.0
    return {
        "planted_recall_at_5": round(statistics.mean(recall), 3),
        "planted_recall_at_5_full_bm25": round(statistics.mean(recall_full), 3),
        "planted_overlap_at_5": round(statistics.mean(overlap_planted), 3),
        "overlap_at_5": overlap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per class")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsbot-bench-search"
    )
    parser.add_argument(
        "--before",
        type=int,
        default=20,
        help="queries per class also timed with the ranking of every match (0: none)",
    )
    parser.add_argument("--skip-tantivy", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    from bot.chat.commands import Commands

    corpus = Corpus(args.articles)
    tantivy_ready = (args.cache / f"tantivy-{corpus.n}-{CORPUS_VERSION}" / "complete").exists()
    if not (args.cache / f"store-{corpus.n}-{schema_key()}.db").exists() or not tantivy_ready:
        corpus.make_all()
    store, path, built = open_store(args.cache, corpus)
    queries = corpus.queries(args.queries)
    commands = Commands(store, lambda: datetime.now(UTC))
    for q in itertools.islice(itertools.chain(*queries.values()), 50):
        commands.search(q)  # warm the page cache and the statements
    ours = {cls: timed(commands.search, queries[cls]) for cls in CLASSES}
    matches = {
        cls: round(
            statistics.median(
                store.db.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                    [__import__("bot.store.search", fromlist=["fts_words"]).fts_words(q)],
                ).fetchone()[0]
                for q in queries[cls][:20]
            )
        )
        for cls in CLASSES
    }
    result: dict[str, Any] = {
        "bench": "search",
        "articles": args.articles,
        "queries_per_class": args.queries,
        "p95_ms": {cls: ours[cls]["p95_ms"] for cls in CLASSES},
        "p95_cpu_ms": {cls: ours[cls]["p95_cpu_ms"] for cls in CLASSES},
        "classes": ours,
        "median_matches": matches,
        "bytes_per_article": round(path.stat().st_size / args.articles),
        "store_mb": round(path.stat().st_size / 1e6, 1),
        "build_s": round(built, 1) if built is not None else None,
    }
    if args.before:
        before = {
            cls: timed(lambda q: search_before(store.db.conn, q), queries[cls][: args.before])
            for cls in CLASSES
        }
        result["before"] = {
            "what": f"every match ranked by bm25, first {args.before} queries of each class",
            "p95_ms": {cls: before[cls]["p95_ms"] for cls in CLASSES},
            "p95_cpu_ms": {cls: before[cls]["p95_cpu_ms"] for cls in CLASSES},
            "classes": before,
        }
    if not args.skip_quality:
        result["quality"] = quality(store, corpus, queries)
    engine = None if args.skip_tantivy else tantivy_engine(args.cache, corpus)
    if engine is not None:
        for q in itertools.islice(itertools.chain(*queries.values()), 50):
            engine(q)
        theirs = {cls: timed(engine, queries[cls]) for cls in CLASSES}
        index_bytes = sum(
            f.stat().st_size
            for f in (args.cache / f"tantivy-{corpus.n}-{CORPUS_VERSION}").iterdir()
        )
        result["tantivy"] = {
            "p95_ms": {cls: theirs[cls]["p95_ms"] for cls in CLASSES},
            "p95_cpu_ms": {cls: theirs[cls]["p95_cpu_ms"] for cls in CLASSES},
            "classes": theirs,
            "index_bytes_per_article": round(index_bytes / args.articles),
        }
    else:
        result["tantivy"] = None
        result["tantivy_note"] = "skipped" if args.skip_tantivy else "pip install -e '.[bench]'"
    result["goals"] = GOALS
    store.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
