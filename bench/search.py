"""How fast `/news search` answers at 100,000 (or --articles N) stored articles, beside tantivy.

    .venv/bin/python bench/search.py                   # 100,000 articles
    .venv/bin/python bench/search.py --articles 1000000

The corpus and how the store is built: bench/search_corpus.py (generated articles as a cold
poll stores them, streamed in batches into a store made by `Store.open`, the search index
filled once at the end; the tantivy index from the same batches). The store is kept under
the cache folder (`--cache`, default a folder in the temp dir) keyed by the schema's source
and the corpus, so a rerun is quick; a build reports its seconds per step and peak RSS.

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
import itertools
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.search_corpus import CORPUS_VERSION, Corpus, article_key, build  # noqa: E402

GOALS = {"p95_ms_max_100k": 20.0, "p95_ms_max_1m": 50.0, "bytes_per_article_max": 3000}
CLASSES = ("one_word", "two_words", "phrase", "rare_name", "common_word")


def schema_key() -> str:
    """What a cached store depends on: the schema's source, how rows are encoded and how
    the corpus is made."""
    import hashlib

    files = ("migrations.py", "store.py", "rows.py", "bodies.py")
    source = b"".join((REPO / "bot" / "store" / name).read_bytes() for name in files)
    return hashlib.sha256(source + CORPUS_VERSION.encode()).hexdigest()[:12]


def tantivy_schema() -> Any:
    import tantivy  # type: ignore[import-not-found]

    schema_builder = tantivy.SchemaBuilder()
    schema_builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    schema_builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema_builder.add_integer_field("n", stored=True, indexed=False, fast=True)
    return schema_builder.build()


def prepare(cache: Path, corpus: Corpus, with_tantivy: bool) -> tuple[Path, Path | None, Any]:
    """The cached store (and tantivy index) of the corpus, built in one pass if missing;
    (store path, tantivy folder or None, build figures or None)."""
    path = cache / f"store-{corpus.n}-{schema_key()}.db"
    folder: Path | None = cache / f"tantivy-{corpus.n}-{CORPUS_VERSION}"
    writer = None
    if with_tantivy:
        try:
            import tantivy
        except ImportError:
            folder = None
    else:
        folder = None
    if folder is not None and not (folder / "complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        index = tantivy.Index(tantivy_schema(), path=str(folder), reuse=False)
        writer = index.writer(heap_size=200_000_000, num_threads=2)
    partial = path.with_suffix(".partial") if not path.exists() else None
    built = None
    if partial is not None or writer is not None:
        print(f"building {partial or ''} {folder if writer else ''} (once)", file=sys.stderr)
        built = build(partial, writer, corpus)
        if partial is not None:
            partial.rename(path)
        if writer is not None and folder is not None:
            (folder / "complete").write_text("ok")
    return path, folder, built


def tantivy_engine(folder: Path) -> Callable[[str], list[str]]:
    """A search function over the tantivy index of the same corpus."""
    import tantivy

    index = tantivy.Index(tantivy_schema(), path=str(folder))
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


def quality(
    store: Any, corpus: Corpus, queries: dict[str, list[str]], overlap_queries: int = 20
) -> dict[str, Any]:
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
    for cls in CLASSES if overlap_queries else ():
        shares = []
        for q in queries[cls][:overlap_queries]:
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
    parser.add_argument(
        "--overlap",
        type=int,
        default=20,
        help="queries per class whose first 5 are compared with every match ranked by"
        " FTS5's bm25 (slow at 1M without positions: it reads each matching text)",
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    from bot.chat.commands import Commands
    from bot.store import Store

    corpus = Corpus(args.articles)
    path, folder, built = prepare(args.cache, corpus, not args.skip_tantivy)
    store = Store.open(path)
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
        "build": built,
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
        result["quality"] = quality(store, corpus, queries, args.overlap)
    if folder is not None:
        engine = tantivy_engine(folder)
        for q in itertools.islice(itertools.chain(*queries.values()), 50):
            engine(q)
        theirs = {cls: timed(engine, queries[cls]) for cls in CLASSES}
        index_bytes = sum(f.stat().st_size for f in folder.iterdir())
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
