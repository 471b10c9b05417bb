"""Retention figures: bytes per article before and after the retention pass, the time of
its steps, and whether the space freed is reused, on a store filled through the real
store code (the rows, claims, analysis records and alerts of a poll's commit).

The store gets `--articles` feed articles (default 20,000) over `--days` days (default
120), 30% of them relevant with three claims and an alert to two destinations, marked
sent; bodies are generated text of about 2.5 KB (a varied vocabulary, Zipf-like). Then:
the `newsbot storage` report, the pass with bodies_days and outbox_days = 30, the report
again, `--more` new articles (default 2,000: does the file grow?), and VACUUM.

Prints one JSON line. Run: PYTHONPATH=. .venv/bin/python bench/retention.py
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.analysis.memory import MemoryRecord, StoredClaim
from bot.models import Article, Claim, Verdict
from bot.retention import BATCH_ROWS, Retention, RetentionPolicy
from bot.store import Store
from bot.store.polls import ArticleWrite, PollWrite
from bot.store.rows import assessed_write, verdict_row
from bot.store.usage import Usage, database_usage

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DESTINATIONS = ("discord", "slack")
FEEDS = 50


class Text:
    """Generated news-like text: a vocabulary of made-up words, common ones often."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        syllables = ["ka", "ro", "mi", "tan", "el", "vo", "su", "ri", "den", "al", "po", "qua"]
        words = {
            "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(12000)
        }
        self.words = sorted(words)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.names = [w.capitalize() for w in self.words[-800:]]

    def sentence(self, n: int) -> str:
        chosen = self.rng.choices(self.words, self.weights, k=n)
        chosen[self.rng.randrange(n)] = self.rng.choice(self.names)
        return " ".join(chosen).capitalize() + "."

    def body(self, size: int = 2500) -> str:
        parts: list[str] = []
        length = 0
        while length < size:
            parts.append(self.sentence(self.rng.randint(8, 22)))
            length += len(parts[-1]) + 1
        return " ".join(parts)


def article_write(i: int, text: Text, seen: datetime) -> ArticleWrite:
    rng = text.rng
    article = Article(
        id=f"a{i:07d}",
        title=text.sentence(rng.randint(6, 12)).rstrip("."),
        url=f"https://news{i % FEEDS}.example/{seen:%Y/%m/%d}/story-{i}",
        source=f"News {i % FEEDS}",
        published=seen - timedelta(hours=rng.randint(0, 12)),
        text=text.body(),
        feed_url=f"https://news{i % FEEDS}.example/feed",
    )
    relevant = rng.random() < 0.3
    story = f"story:s{rng.randrange(max(1, i // 20 + 1))}" if relevant else None
    claims = tuple(
        Claim(
            text=text.sentence(rng.randint(10, 20)),
            novel=rng.random() < 0.6,
            entities=(rng.choice(text.names),),
            quote=text.sentence(8),
        )
        for _ in range(3 if relevant else 0)
    )
    verdict = Verdict(
        article_id=article.id,
        relevant=relevant,
        relevance=rng.random(),
        category="lawsuit" if relevant else None,
        signals=("training data", "copyright") if relevant else (),
        story=story,
        duplicate_of=None,
        novel=relevant and any(c.novel for c in claims),
        claims=claims,
        summary=text.sentence(30) if relevant else "",
        reason="new claims" if relevant else "not about AI training-data disputes",
    )
    extra = {"guid": article.url, "text_source": "feed"}
    if not relevant:
        return ArticleWrite(verdict_row(article, verdict, seen, extra))
    record = MemoryRecord(
        article_id=article.id,
        title=article.title,
        lead=article.text[:300],
        published=article.published,
        relevant=True,
        is_seed=False,
        category=verdict.category,
        story=story,
        entities=tuple(c.entities[0] for c in claims),
        terms=tuple(article.title.lower().split()[:12]),
        claims=tuple(StoredClaim(c.text, c.entities) for c in claims),
        claim_terms=tuple(tuple(c.text.lower().split()[:12]) for c in claims),
        story_title=article.title[:60],
    )

    class Assessed:
        def __init__(self) -> None:
            self.verdict = verdict
            self.record = record

    return assessed_write(article, Assessed(), seen, extra, DESTINATIONS)  # type: ignore[arg-type]


def fill(store: Store, text: Text, first: int, count: int, start: datetime, days: float) -> None:
    """`count` articles, fetched evenly from `start` over `days`, 20 per poll commit."""
    step = timedelta(days=days) / max(1, count)
    for base in range(0, count, 20):
        seen = start + step * base
        writes = tuple(
            article_write(first + base + k, text, seen) for k in range(min(20, count - base))
        )
        store.commit_poll(
            PollWrite(
                feed_url=f"https://news{base % FEEDS}.example/feed", now=seen, articles=writes
            )
        )
    with store.transaction():  # delivered, as a running bot would have them
        store.db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = created_at, message_ref = 'm'"
            " WHERE status = 'pending'"
        )


def report(path: Path, policy: RetentionPolicy, now: datetime) -> tuple[Usage, float]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    try:
        usage = database_usage(
            conn,
            path,
            bodies_before=policy.bodies_before(now),
            outbox_before=policy.outbox_before(now),
        )
    finally:
        conn.close()
    return usage, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--days", type=float, default=120.0)
    parser.add_argument("--more", type=int, default=2000)
    parser.add_argument("--keep-days", type=int, default=30)
    args = parser.parse_args()
    text = Text(random.Random(13))
    policy = RetentionPolicy(bodies_days=args.keep_days, outbox_days=args.keep_days)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "newsbot.db"
        store = Store.open(path)
        started = time.perf_counter()
        fill(store, text, 0, args.articles, NOW - timedelta(days=args.days), args.days)
        fill_seconds = time.perf_counter() - started
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before, report_seconds = report(path, policy, NOW)

        result = Retention(store, policy, lambda: NOW).run()
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after, _ = report(path, policy, NOW)

        # a day later: new articles arrive; the free pages take them before the file grows
        later = NOW + timedelta(days=1)
        fill(store, text, args.articles, args.more, NOW, 1.0)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        grown, _ = report(path, policy, later)

        started = time.perf_counter()
        store.vacuum()
        vacuum_seconds = time.perf_counter() - started
        store.close()
        vacuumed, _ = report(path, policy, later)
        articles_after_more = args.articles + args.more

    def kb(n: float) -> float:
        return round(n / 1024, 2)

    print(
        json.dumps(
            {
                "articles": args.articles,
                "days": args.days,
                "keep_days": args.keep_days,
                "batch_rows": BATCH_ROWS,
                "fill_seconds": round(fill_seconds, 1),
                "report_seconds": round(report_seconds, 2),
                "before": {
                    "file_mb": round(before.file_bytes / 2**20, 1),
                    "kb_per_article_in_use": kb(before.used_bytes / args.articles),
                    "would_free_mb": round(before.would_free.total_bytes / 2**20, 1),
                    "bodies_due": before.would_free.bodies,
                    "payloads_due": before.would_free.payloads,
                },
                "pass": {
                    "bodies": result.bodies,
                    "payloads": result.payloads,
                    "steps": result.steps,
                    "seconds": round(result.seconds, 2),
                    "longest_step_ms": round(result.longest_step_seconds * 1000, 1),
                    "mean_step_ms": round(result.seconds * 1000 / max(1, result.steps), 1),
                },
                "after": {
                    "file_mb": round(after.file_bytes / 2**20, 1),
                    "kb_per_article_in_use": kb(after.used_bytes / args.articles),
                    "free_mb": round(after.free_pages * after.page_size / 2**20, 1),
                },
                "after_more": {
                    "new_articles": args.more,
                    "file_mb": round(grown.file_bytes / 2**20, 1),
                    "free_mb": round(grown.free_pages * grown.page_size / 2**20, 1),
                },
                "after_vacuum": {
                    "file_mb": round(vacuumed.file_bytes / 2**20, 1),
                    "kb_per_article_on_disk": kb(vacuumed.file_bytes / articles_after_more),
                    "seconds": round(vacuum_seconds, 2),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
