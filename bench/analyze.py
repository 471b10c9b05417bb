"""Throughput of the whole analysis against a stored history of 1,000 and 100,000 claims.

    .venv/bin/python bench/analyze.py [--articles 60] [--sizes 1000,100000]

Synthetic history (how it is made): articles of 10 claims each, written from sentence
templates that mix this beat's common vocabulary (AI firms, courts, "copyright", "training
data", ...) with names made of random syllables, random numbers and dates, so that common
words have long posting lists and names are rare, as in real news. Each article is stored
through the same path as real ones (Store.remember_analysis on an in-memory SQLite store).

Timed: Analyzer.analyze_full + remember for generated test articles of ~12 sentences
(relevant, so every step runs), the same articles for every history size. Prints one JSON
line: articles/s and ms per article per size, the 100k/1k time ratio, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.analysis.analyzer import Analyzer
from bot.analysis.memory import MemoryRecord, StoredClaim
from bot.analysis.relevance_model import load_model
from bot.models import Article
from bot.store import Store
from bot.store.known import KnownToStore

FIRMS = ["OpenAI", "Anthropic", "Meta", "Google", "Microsoft", "Stability AI", "Midjourney"]
VERBS = ["sued", "accused", "settled with", "signed a licensing deal with", "asked", "warned"]
TOPICS = [
    "copyright infringement over training data",
    "scraping of news articles to train AI models",
    "the use of copyrighted books to train its chatbot",
    "an opt-out system for rights holders",
    "unlicensed use of song lyrics in training",
]
COURTS = ["a federal court", "the High Court", "a regional court", "a district court"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
SYLL = ["ka", "ro", "mi", "ten", "dra", "vo", "lu", "shi", "par", "qen", "zo", "bel", "tur", "ix"]


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLL) for _ in range(rng.randint(2, 3))).capitalize()


def sentence(rng: random.Random) -> str:
    org = f"{name(rng)} {rng.choice(['Media', 'Press', 'Records', 'Guild', 'Studios'])}"
    return (
        f"{org} {rng.choice(VERBS)} {rng.choice(FIRMS)} in {rng.choice(COURTS)} on "
        f"{rng.choice(MONTHS)} {rng.randint(1, 28)} over {rng.choice(TOPICS)}, saying "
        f"{name(rng)} {name(rng)} had {rng.randint(2, 900)} {rng.choice(['million', 'thousand'])} "
        f"works at stake."
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1))


def build_history(store: Store, n_claims: int, rng: random.Random) -> None:
    """Stored through Store.remember_analysis like real records; names, numbers and index
    words come from quick regexes instead of the analysis's extraction, to build fast."""
    per_article = 10
    for i in range(n_claims // per_article):
        texts = [sentence(rng) for _ in range(per_article)]
        claims = tuple(
            StoredClaim(t, tuple(re.findall(r"[A-Z][a-z]+", t)), tuple(re.findall(r"\d+", t)))
            for t in texts
        )
        title = f"{name(rng)} Media sues {rng.choice(FIRMS)}"
        lead = texts[0]
        store.remember_analysis(
            MemoryRecord(
                article_id=f"hist-{i}",
                title=title,
                lead=lead,
                published=None,
                relevant=True,
                is_seed=False,
                category="lawsuit",
                story=f"story:hist-{i // 3}",
                entities=tuple(re.findall(r"[A-Z][a-z]+", f"{title} {lead}")),
                terms=_words(f"{title} {lead}"),
                claims=claims,
                claim_terms=tuple(_words(c.text) for c in claims),
            )
        )


def test_articles(n: int, rng: random.Random, prefix: str = "bench") -> list[Article]:
    out = []
    for i in range(n):
        body = " ".join(sentence(rng) for _ in range(12))
        out.append(
            Article(
                id=f"{prefix}-{i}",
                title=f"{name(rng)} Press sues {rng.choice(FIRMS)} over AI training data",
                url=None,
                source="bench",
                published=None,
                text=body,
            )
        )
    return out


def run(size: int, articles: list[Article]) -> dict[str, float]:
    rng = random.Random(size)
    store = Store.open(":memory:")
    t0 = time.perf_counter()
    build_history(store, size, rng)
    built = time.perf_counter() - t0
    memory = KnownToStore(store)
    analyzer = Analyzer(relevance_model=load_model())
    for a in test_articles(5, random.Random(size + 1), "warm-up"):  # regexes, caches
        store.remember_analysis(analyzer.analyze_full(a, memory).record)
    t0, c0 = time.perf_counter(), time.process_time()
    for a in articles:
        result = analyzer.analyze_full(a, memory)
        store.remember_analysis(result.record)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    return {
        "history_claims": size,
        "build_s": round(built, 1),
        "articles_per_s": round(len(articles) / elapsed, 1),
        "ms_per_article": round(1000 * elapsed / len(articles), 1),
        # CPU time of this process: what the figures are on an idle core (the 2 cores here
        # are shared, so wall-clock figures depend on what else runs)
        "articles_per_cpu_s": round(len(articles) / cpu, 1),
        "cpu_ms_per_article": round(1000 * cpu / len(articles), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--sizes", default="1000,100000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    articles = test_articles(args.articles, random.Random(7))
    results = [run(size, articles) for size in sizes]
    ratio = results[-1]["cpu_ms_per_article"] / results[0]["cpu_ms_per_article"]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "results": results,
                "cpu_time_ratio_largest_vs_smallest": round(ratio, 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "articles": len(articles),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
